package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	sd "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/servicedirectory"
)

// TestPublicServiceDirectory serves Service Directory v1
// (google/cloud/servicedirectory/v1, unchanged) on every database, over
// gRPC and over REST through its own google.api.http annotations:
// namespaces hold services, which hold endpoints (three levels of
// names); writes answer the resource itself and Delete answers Empty;
// List filters on the annotations and labels maps, on an endpoint's
// address and port, and orders by name, address or port as the API
// documents; Delete refuses a parent with children (AIP-135: the
// requests have no force, though the API's comments say its Delete
// removes them too); ResolveService and the IAM methods are the user's.
func TestPublicServiceDirectory(t *testing.T) {
	servePublic(t, "servicedirectory", func(gs *grpc.Server, db *gorm.DB) {
		sd.RegisterRegistrationServiceServer(gs, sd.NewRegistrationServiceCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		serviceDirectoryScenario(t, sd.NewRegistrationServiceClient(cc), tag)
		if rc, ok := cc.(restConn); ok {
			serviceDirectoryREST(t, rc.base, "projects/p-rest/locations/us-east1")
		}
	})
}

// sdRefused checks that err has code and names field, in its message
// and, over gRPC, in its google.rpc.BadRequest.
func sdRefused(t *testing.T, err error, code codes.Code, field string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, code, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), field)
	if fields := violationFields(err); fields != nil {
		assert.Contains(t, fields, field)
	}
}

func serviceDirectoryScenario(t *testing.T, c sd.RegistrationServiceClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-east1"
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// Namespaces: the client's id, a uid of the server's own.
	namespace := func(id string, labels map[string]string) *sd.Namespace {
		t.Helper()
		ns, err := c.CreateNamespace(ctx, &sd.CreateNamespaceRequest{Parent: loc, NamespaceId: id,
			Namespace: &sd.Namespace{Labels: labels, Uid: "mine"}})
		require.NoError(t, err)
		assert.Equal(t, loc+"/namespaces/"+id, ns.Name)
		assert.Equal(t, labels, ns.Labels)
		assert.NotEmpty(t, ns.Uid)
		assert.NotEqual(t, "mine", ns.Uid, "uid is OUTPUT_ONLY")
		return ns
	}
	prod, dev, qa := namespace("prod", map[string]string{"env": "prod", "team": "a"}),
		namespace("dev", map[string]string{"env": "dev", "team": "a"}), namespace("qa", map[string]string{"env": "qa"})
	assert.NotEqual(t, prod.Uid, dev.Uid)
	got, err := c.GetNamespace(ctx, &sd.GetNamespaceRequest{Name: prod.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(prod, got), "Get: %v, created: %v", got, prod)
	_, err = c.CreateNamespace(ctx, &sd.CreateNamespaceRequest{Parent: loc, NamespaceId: "prod", Namespace: &sd.Namespace{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateNamespace(ctx, &sd.CreateNamespaceRequest{Parent: loc, Namespace: &sd.Namespace{}})
	sdRefused(t, err, codes.InvalidArgument, "namespace_id")
	_, err = c.CreateNamespace(ctx, &sd.CreateNamespaceRequest{Parent: loc, NamespaceId: "Not An Id", Namespace: &sd.Namespace{}})
	sdRefused(t, err, codes.InvalidArgument, "namespace_id")
	_, err = c.GetNamespace(ctx, &sd.GetNamespaceRequest{Name: loc + "/namespaces/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	if tag == "g" {
		// Over REST, a name of another form matches no binding's path.
		_, err = c.CreateNamespace(ctx, &sd.CreateNamespaceRequest{Parent: "projects/p", NamespaceId: "x", Namespace: &sd.Namespace{}})
		sdRefused(t, err, codes.InvalidArgument, "parent")
		_, err = c.GetNamespace(ctx, &sd.GetNamespaceRequest{Name: loc + "/services/prod"})
		sdRefused(t, err, codes.InvalidArgument, "name")
	}

	listNamespaces := func(filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*sd.Namespace, string, error) {
			r, err := c.ListNamespaces(ctx, &sd.ListNamespacesRequest{Parent: loc, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetNamespaces(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{dev.Name, prod.Name, qa.Name}, listNamespaces("", ""), "by name (the API's default order)")
	assert.Equal(t, []string{qa.Name, prod.Name, dev.Name}, listNamespaces("", "name desc"))
	assert.Equal(t, []string{dev.Name, prod.Name}, listNamespaces(`labels.team = "a"`, ""))
	assert.Equal(t, []string{dev.Name, prod.Name}, listNamespaces(`labels:team`, ""))
	assert.Equal(t, []string{qa.Name}, listNamespaces(`labels.env = "qa" OR labels.env = "staging"`, ""))
	assert.Equal(t, []string{prod.Name, qa.Name}, listNamespaces(`name > "`+dev.Name+`"`, ""))
	_, err = c.ListNamespaces(ctx, &sd.ListNamespacesRequest{Parent: loc, Filter: `labels.team = `})
	sdRefused(t, err, codes.InvalidArgument, "filter")
	_, err = c.ListNamespaces(ctx, &sd.ListNamespacesRequest{Parent: loc, OrderBy: "nothing"})
	sdRefused(t, err, codes.InvalidArgument, "order_by")
	_, err = c.ListNamespaces(ctx, &sd.ListNamespacesRequest{Parent: loc, PageToken: "not-a-token"})
	sdRefused(t, err, codes.InvalidArgument, "page_token")

	// Update: the mask's fields only; the name and uid are not the
	// client's to change.
	upQA, err := c.UpdateNamespace(ctx, &sd.UpdateNamespaceRequest{Namespace: &sd.Namespace{Name: qa.Name,
		Labels: map[string]string{"env": "qa", "team": "b"}, Uid: "other"}, UpdateMask: mask("labels")})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"env": "qa", "team": "b"}, upQA.Labels)
	assert.Equal(t, qa.Uid, upQA.Uid)
	_, err = c.UpdateNamespace(ctx, &sd.UpdateNamespaceRequest{Namespace: &sd.Namespace{Name: qa.Name}, UpdateMask: mask("nothing")})
	sdRefused(t, err, codes.InvalidArgument, "update_mask")
	_, err = c.UpdateNamespace(ctx, &sd.UpdateNamespaceRequest{Namespace: &sd.Namespace{Name: loc + "/namespaces/nothing"}, UpdateMask: mask("labels")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	got, err = c.GetNamespace(ctx, &sd.GetNamespaceRequest{Name: qa.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(upQA, got), "Get: %v, updated: %v", got, upQA)

	// Services under a namespace; endpoints is OUTPUT_ONLY (ResolveService
	// fills it), so what a client sends there is not kept.
	service := func(parent *sd.Namespace, id string, annotations map[string]string) *sd.Service {
		t.Helper()
		s, err := c.CreateService(ctx, &sd.CreateServiceRequest{Parent: parent.Name, ServiceId: id, Service: &sd.Service{
			Annotations: annotations, Endpoints: []*sd.Endpoint{{Name: parent.Name + "/services/" + id + "/endpoints/x"}}}})
		require.NoError(t, err)
		assert.Equal(t, parent.Name+"/services/"+id, s.Name)
		if len(annotations) == 0 {
			assert.Empty(t, s.Annotations) // REST's JSON writes an empty map, gRPC none
		} else {
			assert.Equal(t, annotations, s.Annotations)
		}
		assert.Empty(t, s.Endpoints, "endpoints is OUTPUT_ONLY")
		assert.NotEmpty(t, s.Uid)
		return s
	}
	api := service(prod, "api", map[string]string{"protocol": "gRPC", "owner": "sd"})
	web := service(prod, "web", map[string]string{"protocol": "http"})
	db := service(prod, "db", map[string]string{"owner": "dba", "protocol": "tcp"})
	devAPI := service(dev, "api", nil)
	gotService, err := c.GetService(ctx, &sd.GetServiceRequest{Name: api.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(api, gotService), "Get: %v, created: %v", gotService, api)
	_, err = c.CreateService(ctx, &sd.CreateServiceRequest{Parent: loc + "/namespaces/nothing", ServiceId: "api", Service: &sd.Service{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "a service of a missing namespace: %v", err)
	_, err = c.CreateService(ctx, &sd.CreateServiceRequest{Parent: prod.Name, ServiceId: "api", Service: &sd.Service{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateService(ctx, &sd.CreateServiceRequest{Parent: prod.Name, ServiceId: "-api", Service: &sd.Service{}})
	sdRefused(t, err, codes.InvalidArgument, "service_id")
	_, err = c.GetService(ctx, &sd.GetServiceRequest{Name: qa.Name + "/services/api"})
	assert.Equal(t, codes.NotFound, status.Code(err), "api is under prod and dev: %v", err)

	listServices := func(parent, filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*sd.Service, string, error) {
			r, err := c.ListServices(ctx, &sd.ListServicesRequest{Parent: parent, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetServices(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{api.Name, db.Name, web.Name}, listServices(prod.Name, "", ""))
	assert.Equal(t, []string{web.Name, db.Name, api.Name}, listServices(prod.Name, "", "name desc"))
	assert.Equal(t, []string{api.Name}, listServices(prod.Name, "annotations.protocol=gRPC", ""))
	assert.Equal(t, []string{api.Name, db.Name}, listServices(prod.Name, "annotations:owner", ""))
	assert.Equal(t, []string{db.Name}, listServices(prod.Name, "annotations.owner!=sd AND annotations.protocol=tcp", ""))
	assert.Equal(t, []string{web.Name}, listServices(prod.Name, `name>"`+db.Name+`"`, ""))
	assert.Empty(t, listServices(prod.Name, "annotations.protocol=smtp", ""))
	assert.ElementsMatch(t, []string{api.Name, db.Name, web.Name, devAPI.Name}, listServices(loc+"/namespaces/-", "", ""), "AIP-159")

	upWeb, err := c.UpdateService(ctx, &sd.UpdateServiceRequest{Service: &sd.Service{Name: web.Name,
		Annotations: map[string]string{"protocol": "https"}}, UpdateMask: mask("annotations")})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"protocol": "https"}, upWeb.Annotations)
	assert.Equal(t, web.Uid, upWeb.Uid)
	assert.Equal(t, []string{web.Name}, listServices(prod.Name, "annotations.protocol=https", ""))
	_, err = c.UpdateService(ctx, &sd.UpdateServiceRequest{Service: &sd.Service{Name: prod.Name + "/services/nothing"}, UpdateMask: mask("annotations")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Endpoints under a service: address and port, filtered and ordered by
	// them; network is IMMUTABLE.
	endpoint := func(parent *sd.Service, id, address string, port int32, annotations map[string]string) *sd.Endpoint {
		t.Helper()
		e, err := c.CreateEndpoint(ctx, &sd.CreateEndpointRequest{Parent: parent.Name, EndpointId: id, Endpoint: &sd.Endpoint{
			Address: address, Port: port, Annotations: annotations, Network: "projects/123/locations/global/networks/default"}})
		require.NoError(t, err)
		assert.Equal(t, parent.Name+"/endpoints/"+id, e.Name)
		assert.Equal(t, address, e.Address)
		assert.Equal(t, port, e.Port)
		assert.NotEmpty(t, e.Uid)
		return e
	}
	e1 := endpoint(api, "e1", "10.0.0.1", 8080, map[string]string{"zone": "a"})
	e2 := endpoint(api, "e2", "10.0.0.2", 9090, map[string]string{"zone": "b"})
	e3 := endpoint(api, "e3", "10.0.0.3", 443, nil)
	dbEndpoint := endpoint(db, "primary", "10.1.0.1", 5432, nil)
	gotEndpoint, err := c.GetEndpoint(ctx, &sd.GetEndpointRequest{Name: e2.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(e2, gotEndpoint), "Get: %v, created: %v", gotEndpoint, e2)
	_, err = c.CreateEndpoint(ctx, &sd.CreateEndpointRequest{Parent: api.Name, EndpointId: "e1", Endpoint: &sd.Endpoint{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateEndpoint(ctx, &sd.CreateEndpointRequest{Parent: prod.Name + "/services/nothing", EndpointId: "e1", Endpoint: &sd.Endpoint{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "an endpoint of a missing service: %v", err)
	_, err = c.CreateEndpoint(ctx, &sd.CreateEndpointRequest{Parent: api.Name, Endpoint: &sd.Endpoint{}})
	sdRefused(t, err, codes.InvalidArgument, "endpoint_id")
	if tag == "g" {
		// Over REST the binding's body is the endpoint: never missing.
		_, err = c.CreateEndpoint(ctx, &sd.CreateEndpointRequest{Parent: api.Name, EndpointId: "e9"})
		sdRefused(t, err, codes.InvalidArgument, "endpoint")
	}

	listEndpoints := func(parent, filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*sd.Endpoint, string, error) {
			r, err := c.ListEndpoints(ctx, &sd.ListEndpointsRequest{Parent: parent, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetEndpoints(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{e1.Name, e2.Name, e3.Name}, listEndpoints(api.Name, "", ""))
	assert.Equal(t, []string{e3.Name, e1.Name, e2.Name}, listEndpoints(api.Name, "", "port"))
	assert.Equal(t, []string{e3.Name, e2.Name, e1.Name}, listEndpoints(api.Name, "", "address desc"))
	assert.Equal(t, []string{e2.Name}, listEndpoints(api.Name, "port>8080", ""))
	assert.Equal(t, []string{e1.Name}, listEndpoints(api.Name, `address="10.0.0.1"`, ""))
	assert.Equal(t, []string{e1.Name, e2.Name}, listEndpoints(api.Name, "annotations:zone", "port"))
	assert.Equal(t, []string{e2.Name}, listEndpoints(api.Name, "annotations.zone=b", ""))
	assert.Equal(t, []string{e2.Name, e3.Name}, listEndpoints(api.Name, "NOT annotations.zone=a", ""))
	assert.ElementsMatch(t, []string{e1.Name, e2.Name, e3.Name, dbEndpoint.Name}, listEndpoints(prod.Name+"/services/-", "", ""), "AIP-159")
	_, err = c.ListEndpoints(ctx, &sd.ListEndpointsRequest{Parent: api.Name, Filter: `port > "high"`})
	sdRefused(t, err, codes.InvalidArgument, "filter")
	_, err = c.ListEndpoints(ctx, &sd.ListEndpointsRequest{Parent: api.Name, OrderBy: "port sideways"})
	sdRefused(t, err, codes.InvalidArgument, "order_by")

	upE1, err := c.UpdateEndpoint(ctx, &sd.UpdateEndpointRequest{Endpoint: &sd.Endpoint{Name: e1.Name, Port: 8443, Address: "10.9.9.9"},
		UpdateMask: mask("port")})
	require.NoError(t, err)
	assert.Equal(t, int32(8443), upE1.Port)
	assert.Equal(t, "10.0.0.1", upE1.Address, "address is not in the mask")
	assert.Equal(t, e1.Uid, upE1.Uid)
	_, err = c.UpdateEndpoint(ctx, &sd.UpdateEndpointRequest{Endpoint: &sd.Endpoint{Name: e1.Name,
		Network: "projects/123/locations/global/networks/other"}, UpdateMask: mask("network")})
	sdRefused(t, err, codes.InvalidArgument, "endpoint.network")
	_, err = c.UpdateEndpoint(ctx, &sd.UpdateEndpointRequest{Endpoint: &sd.Endpoint{Name: e1.Name, Port: 1}})
	sdRefused(t, err, codes.InvalidArgument, "update_mask")
	gotEndpoint, err = c.GetEndpoint(ctx, &sd.GetEndpointRequest{Name: e1.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(upE1, gotEndpoint), "Get: %v, updated: %v", gotEndpoint, upE1)

	// Delete: a namespace or service with children is refused (no force
	// in the API's requests); the last child gone, the parent goes.
	_, err = c.DeleteNamespace(ctx, &sd.DeleteNamespaceRequest{Name: prod.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "prod holds services: %v", err)
	_, err = c.DeleteService(ctx, &sd.DeleteServiceRequest{Name: api.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "api holds endpoints: %v", err)
	for _, e := range []*sd.Endpoint{e1, e2, e3} {
		_, err = c.DeleteEndpoint(ctx, &sd.DeleteEndpointRequest{Name: e.Name})
		require.NoError(t, err)
	}
	_, err = c.GetEndpoint(ctx, &sd.GetEndpointRequest{Name: e1.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.DeleteEndpoint(ctx, &sd.DeleteEndpointRequest{Name: e1.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	assert.Empty(t, listEndpoints(api.Name, "", ""))
	_, err = c.DeleteService(ctx, &sd.DeleteServiceRequest{Name: api.Name})
	require.NoError(t, err)
	_, err = c.DeleteNamespace(ctx, &sd.DeleteNamespaceRequest{Name: prod.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "web and db are left: %v", err)
	_, err = c.DeleteEndpoint(ctx, &sd.DeleteEndpointRequest{Name: dbEndpoint.Name})
	require.NoError(t, err)
	for _, s := range []*sd.Service{web, db} {
		_, err = c.DeleteService(ctx, &sd.DeleteServiceRequest{Name: s.Name})
		require.NoError(t, err)
	}
	_, err = c.DeleteNamespace(ctx, &sd.DeleteNamespaceRequest{Name: prod.Name})
	require.NoError(t, err)
	_, err = c.DeleteNamespace(ctx, &sd.DeleteNamespaceRequest{Name: qa.Name})
	require.NoError(t, err)
	_, err = c.GetNamespace(ctx, &sd.GetNamespaceRequest{Name: prod.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	assert.Equal(t, []string{dev.Name}, listNamespaces("", ""))
}

// serviceDirectoryREST calls the HTTP bindings with net/http and JSON
// written by hand: the body is the resource, update_mask a query
// parameter, and a refusal a google.rpc.Status with its HTTP status.
func serviceDirectoryREST(t *testing.T, base, loc string) {
	resp, body := restDo(t, http.MethodPost, base+"/v1/"+loc+"/namespaces?namespaceId=rest", `{"labels":{"via":"rest"}}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	ns := &sd.Namespace{}
	require.NoError(t, protojson.Unmarshal(body, ns))
	assert.Equal(t, loc+"/namespaces/rest", ns.Name)
	resp, body = restDo(t, http.MethodPost, base+"/v1/"+ns.Name+"/services?service_id=svc", `{"annotations":{"protocol":"gRPC"}}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	resp, body = restDo(t, http.MethodPost, base+"/v1/"+ns.Name+"/services/svc/endpoints?endpointId=e", `{"address":"10.0.0.1","port":80}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	resp, body = restDo(t, http.MethodPatch, base+"/v1/"+ns.Name+"/services/svc/endpoints/e?updateMask=port", `{"port":81,"address":"10.0.0.2"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	e := &sd.Endpoint{}
	require.NoError(t, protojson.Unmarshal(body, e))
	assert.Equal(t, int32(81), e.Port)
	assert.Equal(t, "10.0.0.1", e.Address)
	resp, body = restDo(t, http.MethodGet, base+"/v1/"+ns.Name+"/services/svc/endpoints?filter=port%3E80&orderBy=port%20desc", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	list := &sd.ListEndpointsResponse{}
	require.NoError(t, protojson.Unmarshal(body, list))
	require.Len(t, list.Endpoints, 1)
	assert.Equal(t, e.Name, list.Endpoints[0].Name)

	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	resp, body = restDo(t, http.MethodDelete, base+"/v1/"+ns.Name, "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Equal(t, int(codes.FailedPrecondition), st.Code, "%s", body)
	resp, body = restDo(t, http.MethodGet, base+"/v1/"+ns.Name+"/services/nothing", "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)
	resp, body = restDo(t, http.MethodPost, base+"/v1/"+ns.Name+"/services?serviceId=svc", `{}`)
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "%s", body)
	resp, body = restDo(t, http.MethodPost, base+"/v1/"+ns.Name+"/services", `{}`)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Contains(t, st.Message, "service_id")
	for _, name := range []string{e.Name, ns.Name + "/services/svc", ns.Name} {
		resp, body = restDo(t, http.MethodDelete, base+"/v1/"+name, "")
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", name, body)
	}
}
