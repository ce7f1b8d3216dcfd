package e2e_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	apigateway "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/apigateway"
)

// TestPublicAPIGateway serves API Gateway v1 (google/cloud/apigateway/v1,
// unchanged) on every database, over gRPC and over REST through its own
// google.api.http annotations (the scenario, then a few requests written
// as any HTTP client writes them): APIs hold API configs, both named under
// the fixed location "global" ("projects/{project}/locations/global/apis/{api}"),
// while gateways, in any location, name the config they serve (a
// reference, checked and kept from deletion); every write is
// long-running (AIP-151); GetApiConfig has a view (AIP-157); Delete has
// no force, so a parent with children is refused (AIP-135).
func TestPublicAPIGateway(t *testing.T) {
	servePublicHTTP(t, "apigateway", func(gs *grpc.Server, db *gorm.DB) {
		apigateway.RegisterApiGatewayServiceServer(gs, apigateway.NewApiGatewayServiceCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		apigatewayScenario(t, apigateway.NewApiGatewayServiceClient(cc), tag)
	}, apigatewayHTTP)
}

// apigatewayHTTP calls API Gateway's HTTP bindings as any HTTP client
// would, JSON in lowerCamelCase: Create answers its done operation, the
// path's fixed location is checked, and errors are google.rpc.Status
// with their HTTP status.
func apigatewayHTTP(t *testing.T, base string) {
	apis := "/v1/projects/p-h/locations/global/apis"
	code, body := restCall(t, base, http.MethodPost, apis+"?apiId=raw", `{"displayName": "Raw", "labels": {"team": "a"}, "state": "ACTIVE"}`)
	require.Equal(t, http.StatusOK, code, body)
	op := decodeJSON(t, body)
	assert.Equal(t, true, op["done"], body)
	created, _ := op["response"].(map[string]any)
	assert.Equal(t, "type.googleapis.com/google.cloud.apigateway.v1.Api", created["@type"], body)
	assert.Equal(t, "projects/p-h/locations/global/apis/raw", created["name"], body)
	assert.Equal(t, "STATE_UNSPECIFIED", created["state"], "OUTPUT_ONLY: not taken from the request")
	code, body = restCall(t, base, http.MethodPost, apis+"?apiId=raw", `{}`)
	assert.Equal(t, http.StatusConflict, code, body)

	code, body = restCall(t, base, http.MethodGet, apis+"/raw", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "Raw", decodeJSON(t, body)["displayName"], body)
	code, body = restCall(t, base, http.MethodGet, "/v1/projects/p-h/locations/us-central1/apis/raw", "")
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Equal(t, float64(codes.InvalidArgument), decodeJSON(t, body)["code"], body)
	assert.Contains(t, body, `"field":"name"`, "the field the location is refused in")

	code, body = restCall(t, base, http.MethodPatch, apis+"/raw?updateMask=displayName", `{"displayName": "Raw 2", "labels": {}}`)
	require.Equal(t, http.StatusOK, code, body)
	updated, _ := decodeJSON(t, body)["response"].(map[string]any)
	assert.Equal(t, "Raw 2", updated["displayName"], body)
	assert.Equal(t, map[string]any{"team": "a"}, updated["labels"], "not in the mask")

	code, body = restCall(t, base, http.MethodGet, apis+"?pageSize=1&filter="+url.QueryEscape(`labels.team = "a"`)+"&orderBy=display_name", "")
	require.Equal(t, http.StatusOK, code, body)
	list := decodeJSON(t, body)
	assert.Len(t, list["apis"], 1, body)
	assert.Equal(t, "", list["nextPageToken"], "one API in all")

	code, body = restCall(t, base, http.MethodGet, apis+"/raw/configs/nothing?view=FULL", "")
	assert.Equal(t, http.StatusNotFound, code, body)
	code, body = restCall(t, base, http.MethodDelete, apis+"/raw", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, true, decodeJSON(t, body)["done"], body)
	code, body = restCall(t, base, http.MethodGet, apis+"/raw", "")
	assert.Equal(t, http.StatusNotFound, code, body)
}

func apigatewayScenario(t *testing.T, c apigateway.ApiGatewayServiceClient, tag string) {
	ctx := context.Background()
	project := "projects/p-" + tag
	global := project + "/locations/global"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &apigateway.OperationMetadata{}, verb, target)
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// APIs, only in the location "global".
	api := func(id, display string, labels map[string]string) *apigateway.Api {
		t.Helper()
		op, err := c.CreateApi(ctx, &apigateway.CreateApiRequest{Parent: global, ApiId: id, Api: &apigateway.Api{
			DisplayName: display, Labels: labels, ManagedService: id + ".apigateway.p.cloud.goog"}})
		out := &apigateway.Api{}
		done(op, err, out, "create", global+"/apis/"+id)
		return out
	}
	shop := api("shop", "Shop", map[string]string{"env": "prod"})
	pets := api("pets", "Pets", map[string]string{"env": "dev"})
	assert.Equal(t, global+"/apis/shop", shop.Name)
	assert.Equal(t, "shop.apigateway.p.cloud.goog", shop.ManagedService)
	assert.NotNil(t, shop.CreateTime)
	got, err := c.GetApi(ctx, &apigateway.GetApiRequest{Name: pets.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(pets, got), "Get: %v, created: %v", got, pets)
	_, err = c.CreateApi(ctx, &apigateway.CreateApiRequest{Parent: global, ApiId: "shop", Api: &apigateway.Api{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateApi(ctx, &apigateway.CreateApiRequest{Parent: global, Api: &apigateway.Api{}})
	refusedFor(t, err, codes.InvalidArgument, "api_id", "api_id is REQUIRED")
	_, err = c.CreateApi(ctx, &apigateway.CreateApiRequest{Parent: project + "/locations/us-central1", ApiId: "x", Api: &apigateway.Api{}})
	refusedFor(t, err, codes.InvalidArgument, "parent", "an API is only in global")
	_, err = c.GetApi(ctx, &apigateway.GetApiRequest{Name: project + "/locations/us-central1/apis/shop"})
	refusedFor(t, err, codes.InvalidArgument, "name", "an API's name is under global")
	_, err = c.GetApi(ctx, &apigateway.GetApiRequest{Name: global + "/apis/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	listApis := func(filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*apigateway.Api, string, error) {
			r, err := c.ListApis(ctx, &apigateway.ListApisRequest{Parent: global, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			assert.Empty(t, r.GetUnreachableLocations())
			return r.GetApis(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{pets.Name, shop.Name}, listApis("", ""))
	assert.Equal(t, []string{shop.Name, pets.Name}, listApis("", "display_name desc"))
	assert.Equal(t, []string{shop.Name}, listApis(`labels.env = "prod"`, ""))
	assert.Equal(t, []string{shop.Name, pets.Name}, listApis("", "name desc"))
	assert.Equal(t, []string{shop.Name}, listApis(`name = "`+shop.Name+`"`, ""))
	assert.Equal(t, []string{pets.Name}, listApis(`name = "`+global+`/apis/p*"`, ""))
	assert.Equal(t, []string{pets.Name}, listApis(`display_name = "Pets" OR managed_service = "none"`, ""))
	_, err = c.ListApis(ctx, &apigateway.ListApisRequest{Parent: global, Filter: `display_name = `})
	refusedFor(t, err, codes.InvalidArgument, "filter", "a filter without its value")
	_, err = c.ListApis(ctx, &apigateway.ListApisRequest{Parent: global, OrderBy: "nothing"})
	refusedFor(t, err, codes.InvalidArgument, "order_by", "an order on no field")
	_, err = c.ListApis(ctx, &apigateway.ListApisRequest{Parent: project + "/locations/us-central1"})
	refusedFor(t, err, codes.InvalidArgument, "parent", "no API is outside global")

	// Update: the mask's fields; managed_service is IMMUTABLE.
	op, err := c.UpdateApi(ctx, &apigateway.UpdateApiRequest{Api: &apigateway.Api{Name: shop.Name, DisplayName: "Shop v2",
		Labels: map[string]string{"env": "staging"}}, UpdateMask: mask("display_name")})
	upShop := &apigateway.Api{}
	done(op, err, upShop, "update", shop.Name)
	assert.Equal(t, "Shop v2", upShop.DisplayName)
	assert.Equal(t, map[string]string{"env": "prod"}, upShop.Labels, "not in the mask")
	assert.Equal(t, shop.CreateTime.AsTime(), upShop.CreateTime.AsTime())
	// "*" replaces every field a client sets; the IMMUTABLE one as
	// stored, or refused.
	op, err = c.UpdateApi(ctx, &apigateway.UpdateApiRequest{Api: &apigateway.Api{Name: pets.Name, DisplayName: "Pets v2",
		ManagedService: pets.ManagedService}, UpdateMask: mask("*")})
	upPets := &apigateway.Api{}
	done(op, err, upPets, "update", pets.Name)
	assert.Equal(t, "Pets v2", upPets.DisplayName)
	assert.Empty(t, upPets.Labels, "replaced by none")
	assert.Equal(t, pets.ManagedService, upPets.ManagedService)
	_, err = c.UpdateApi(ctx, &apigateway.UpdateApiRequest{Api: &apigateway.Api{Name: pets.Name, DisplayName: "x"}, UpdateMask: mask("*")})
	refusedFor(t, err, codes.InvalidArgument, "managed_service", "managed_service is IMMUTABLE")
	op, err = c.UpdateApi(ctx, &apigateway.UpdateApiRequest{Api: &apigateway.Api{Name: pets.Name, DisplayName: "Pets",
		Labels: map[string]string{"env": "dev"}, ManagedService: pets.ManagedService}, UpdateMask: mask("*")})
	done(op, err, upPets, "update", pets.Name)
	_, err = c.UpdateApi(ctx, &apigateway.UpdateApiRequest{Api: &apigateway.Api{Name: shop.Name, ManagedService: "other"},
		UpdateMask: mask("managed_service")})
	refusedFor(t, err, codes.InvalidArgument, "managed_service", "managed_service is IMMUTABLE")
	_, err = c.UpdateApi(ctx, &apigateway.UpdateApiRequest{Api: &apigateway.Api{Name: shop.Name, DisplayName: "x"}, UpdateMask: mask("nothing")})
	refusedFor(t, err, codes.InvalidArgument, "update_mask", "a mask of no field")
	_, err = c.UpdateApi(ctx, &apigateway.UpdateApiRequest{Api: &apigateway.Api{Name: global + "/apis/nothing", DisplayName: "x"},
		UpdateMask: mask("display_name")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// API configs under an API: documents and services are messages
	// stored whole; a service's file_descriptor_set is INPUT_ONLY
	// (AIP-203), never answered.
	config := func(parent *apigateway.Api, id, display string) *apigateway.ApiConfig {
		t.Helper()
		op, err := c.CreateApiConfig(ctx, &apigateway.CreateApiConfigRequest{Parent: parent.Name, ApiConfigId: id, ApiConfig: &apigateway.ApiConfig{
			DisplayName: display, Labels: map[string]string{"track": "stable"},
			GatewayServiceAccount: project + "/serviceAccounts/gw@p.iam.gserviceaccount.com",
			OpenapiDocuments: []*apigateway.ApiConfig_OpenApiDocument{{Document: &apigateway.ApiConfig_File{
				Path: "openapi.yaml", Contents: []byte("swagger: '2.0'\n")}}},
			GrpcServices: []*apigateway.ApiConfig_GrpcServiceDefinition{{
				FileDescriptorSet: &apigateway.ApiConfig_File{Path: "api.pb", Contents: []byte{0x0a, 0x00}},
				Source:            []*apigateway.ApiConfig_File{{Path: "api.proto", Contents: []byte(`syntax = "proto3";`)}}}}}})
		out := &apigateway.ApiConfig{}
		done(op, err, out, "create", parent.Name+"/configs/"+id)
		return out
	}
	v1, v2 := config(shop, "v1", "one"), config(shop, "v2", "two")
	petsV1 := config(pets, "v1", "one")
	assert.Equal(t, shop.Name+"/configs/v1", v1.Name)
	assert.Equal(t, "openapi.yaml", v1.OpenapiDocuments[0].GetDocument().GetPath())
	assert.Equal(t, []byte("swagger: '2.0'\n"), v1.OpenapiDocuments[0].GetDocument().GetContents())
	require.Len(t, v1.GrpcServices, 1)
	assert.Nil(t, v1.GrpcServices[0].FileDescriptorSet, "INPUT_ONLY")
	assert.Equal(t, "api.proto", v1.GrpcServices[0].Source[0].GetPath())
	for _, view := range []apigateway.GetApiConfigRequest_ConfigView{apigateway.GetApiConfigRequest_CONFIG_VIEW_UNSPECIFIED,
		apigateway.GetApiConfigRequest_BASIC, apigateway.GetApiConfigRequest_FULL} {
		// The generated Get answers every view with the whole resource
		// (the generator's warning on view).
		gotCfg, err := c.GetApiConfig(ctx, &apigateway.GetApiConfigRequest{Name: v2.Name, View: view})
		require.NoError(t, err)
		assert.True(t, proto.Equal(v2, gotCfg), "Get %v: %v, created: %v", view, gotCfg, v2)
	}
	_, err = c.GetApiConfig(ctx, &apigateway.GetApiConfigRequest{Name: pets.Name + "/configs/v2"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.CreateApiConfig(ctx, &apigateway.CreateApiConfigRequest{Parent: global + "/apis/nothing", ApiConfigId: "v1", ApiConfig: &apigateway.ApiConfig{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "a config of a missing API: %v", err)
	_, err = c.CreateApiConfig(ctx, &apigateway.CreateApiConfigRequest{Parent: shop.Name, ApiConfigId: "v1", ApiConfig: &apigateway.ApiConfig{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateApiConfig(ctx, &apigateway.CreateApiConfigRequest{Parent: shop.Name, ApiConfigId: "Bad_Id", ApiConfig: &apigateway.ApiConfig{}})
	refusedFor(t, err, codes.InvalidArgument, "api_config_id", "an id of AIP-122's characters")

	listConfigs := func(parent, filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*apigateway.ApiConfig, string, error) {
			r, err := c.ListApiConfigs(ctx, &apigateway.ListApiConfigsRequest{Parent: parent, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetApiConfigs(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{v1.Name, v2.Name}, listConfigs(shop.Name, "", ""))
	assert.Equal(t, []string{v2.Name, v1.Name}, listConfigs(shop.Name, "", "display_name desc"))
	assert.Equal(t, []string{v2.Name}, listConfigs(shop.Name, `display_name = "two"`, ""))
	assert.ElementsMatch(t, []string{v1.Name, v2.Name, petsV1.Name}, listConfigs(global+"/apis/-", "", ""), "AIP-159")
	assert.Equal(t, []string{petsV1.Name, v1.Name}, listConfigs(global+"/apis/-", `display_name = "one"`, "name"))
	assert.Equal(t, []string{v1.Name, v2.Name}, listConfigs(shop.Name, `grpc_services.source.path:"api.proto"`, ""))
	_, err = c.ListApiConfigs(ctx, &apigateway.ListApiConfigsRequest{Parent: shop.Name, Filter: `grpc_services.file_descriptor_set.path:"api.pb"`})
	refusedFor(t, err, codes.InvalidArgument, `field "grpc_services.file_descriptor_set.path" is INPUT_ONLY`, "no filter tells an INPUT_ONLY value")

	op, err = c.UpdateApiConfig(ctx, &apigateway.UpdateApiConfigRequest{ApiConfig: &apigateway.ApiConfig{Name: v2.Name,
		Labels: map[string]string{"track": "beta"}, DisplayName: "kept"}, UpdateMask: mask("labels")})
	upV2 := &apigateway.ApiConfig{}
	done(op, err, upV2, "update", v2.Name)
	assert.Equal(t, map[string]string{"track": "beta"}, upV2.Labels)
	assert.Equal(t, "two", upV2.DisplayName, "not in the mask")
	assert.Len(t, upV2.OpenapiDocuments, 1, "not in the mask")
	_, err = c.UpdateApiConfig(ctx, &apigateway.UpdateApiConfigRequest{ApiConfig: &apigateway.ApiConfig{Name: v2.Name,
		GatewayServiceAccount: project + "/serviceAccounts/other"}, UpdateMask: mask("gateway_service_account")})
	refusedFor(t, err, codes.InvalidArgument, "gateway_service_account", "gateway_service_account is IMMUTABLE")

	// Gateways in a region serve a config, which must exist.
	region := project + "/locations/us-central1"
	gateway := func(id, display string, cfg *apigateway.ApiConfig) *apigateway.Gateway {
		t.Helper()
		op, err := c.CreateGateway(ctx, &apigateway.CreateGatewayRequest{Parent: region, GatewayId: id, Gateway: &apigateway.Gateway{
			DisplayName: display, ApiConfig: cfg.Name, Labels: map[string]string{"tier": display}}})
		out := &apigateway.Gateway{}
		done(op, err, out, "create", region+"/gateways/"+id)
		return out
	}
	east, west := gateway("east", "a", v1), gateway("west", "b", petsV1)
	assert.Equal(t, v1.Name, east.ApiConfig)
	gotGw, err := c.GetGateway(ctx, &apigateway.GetGatewayRequest{Name: west.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(west, gotGw), "Get: %v, created: %v", gotGw, west)
	_, err = c.CreateGateway(ctx, &apigateway.CreateGatewayRequest{Parent: region, GatewayId: "g", Gateway: &apigateway.Gateway{
		ApiConfig: shop.Name + "/configs/nothing"}})
	refusedFor(t, err, codes.InvalidArgument, "gateway.api_config", "a missing config")
	_, err = c.CreateGateway(ctx, &apigateway.CreateGatewayRequest{Parent: region, GatewayId: "g", Gateway: &apigateway.Gateway{
		ApiConfig: project + "/locations/us-central1/apis/shop/configs/v1"}})
	refusedFor(t, err, codes.InvalidArgument, "gateway.api_config", "a config is named under global")
	_, err = c.CreateGateway(ctx, &apigateway.CreateGatewayRequest{Parent: region, GatewayId: "g", Gateway: &apigateway.Gateway{}})
	refusedFor(t, err, codes.InvalidArgument, "gateway.api_config", "api_config is REQUIRED")
	_, err = c.CreateGateway(ctx, &apigateway.CreateGatewayRequest{Parent: region, GatewayId: "east", Gateway: &apigateway.Gateway{ApiConfig: v1.Name}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)

	op, err = c.CreateGateway(ctx, &apigateway.CreateGatewayRequest{Parent: project + "/locations/europe-west1", GatewayId: "east",
		Gateway: &apigateway.Gateway{DisplayName: "z", ApiConfig: v2.Name}})
	eu := &apigateway.Gateway{}
	done(op, err, eu, "create", project+"/locations/europe-west1/gateways/east")
	listGatewaysIn := func(parent, filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*apigateway.Gateway, string, error) {
			r, err := c.ListGateways(ctx, &apigateway.ListGatewaysRequest{Parent: parent, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetGateways(), r.GetNextPageToken(), err
		})
	}
	listGateways := func(filter, orderBy string) []string {
		t.Helper()
		return listGatewaysIn(region, filter, orderBy)
	}
	assert.Equal(t, []string{eu.Name, east.Name, west.Name}, listGatewaysIn(project+"/locations/-", "", "name"), "AIP-159")
	assert.Equal(t, []string{eu.Name}, listGatewaysIn(project+"/locations/-", `api_config = "`+v2.Name+`"`, ""))
	assert.Equal(t, []string{west.Name, east.Name}, listGateways("", "display_name desc"))
	assert.Equal(t, []string{east.Name, west.Name}, listGateways("", "name"))
	assert.Equal(t, []string{east.Name}, listGateways(`api_config = "`+v1.Name+`"`, ""))
	assert.Equal(t, []string{west.Name}, listGateways(`labels.tier = "b"`, ""))

	op, err = c.UpdateGateway(ctx, &apigateway.UpdateGatewayRequest{Gateway: &apigateway.Gateway{Name: east.Name, ApiConfig: v2.Name,
		DisplayName: "ignored"}, UpdateMask: mask("api_config")})
	upEast := &apigateway.Gateway{}
	done(op, err, upEast, "update", east.Name)
	assert.Equal(t, v2.Name, upEast.ApiConfig)
	assert.Equal(t, "a", upEast.DisplayName, "not in the mask")
	// Without a mask: the fields the request sets.
	op, err = c.UpdateGateway(ctx, &apigateway.UpdateGatewayRequest{Gateway: &apigateway.Gateway{Name: west.Name, DisplayName: "c"}})
	upWest := &apigateway.Gateway{}
	done(op, err, upWest, "update", west.Name)
	assert.Equal(t, "c", upWest.DisplayName)
	assert.Equal(t, petsV1.Name, upWest.ApiConfig, "not set")
	assert.Equal(t, map[string]string{"tier": "b"}, upWest.Labels, "not set")
	_, err = c.UpdateGateway(ctx, &apigateway.UpdateGatewayRequest{Gateway: &apigateway.Gateway{Name: east.Name, ApiConfig: pets.Name + "/configs/nothing"},
		UpdateMask: mask("api_config")})
	refusedFor(t, err, codes.InvalidArgument, "gateway.api_config", "a missing config")

	// Delete (AIP-135, no force): an API with configs, and a config a
	// gateway serves, are refused; answers Empty.
	_, err = c.DeleteApi(ctx, &apigateway.DeleteApiRequest{Name: shop.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "shop has configs: %v", err)
	_, err = c.DeleteApiConfig(ctx, &apigateway.DeleteApiConfigRequest{Name: v2.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "east and eu serve v2: %v", err)
	op, err = c.DeleteApiConfig(ctx, &apigateway.DeleteApiConfigRequest{Name: v1.Name})
	done(op, err, &emptypb.Empty{}, "delete", v1.Name)
	for _, g := range []*apigateway.Gateway{east, west, eu} {
		op, err = c.DeleteGateway(ctx, &apigateway.DeleteGatewayRequest{Name: g.Name})
		done(op, err, &emptypb.Empty{}, "delete", g.Name)
	}
	_, err = c.GetGateway(ctx, &apigateway.GetGatewayRequest{Name: east.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	for _, cfg := range []*apigateway.ApiConfig{v2, petsV1} {
		op, err = c.DeleteApiConfig(ctx, &apigateway.DeleteApiConfigRequest{Name: cfg.Name})
		done(op, err, &emptypb.Empty{}, "delete", cfg.Name)
	}
	for _, a := range []*apigateway.Api{shop, pets} {
		op, err = c.DeleteApi(ctx, &apigateway.DeleteApiRequest{Name: a.Name})
		done(op, err, &emptypb.Empty{}, "delete", a.Name)
	}
	_, err = c.DeleteApi(ctx, &apigateway.DeleteApiRequest{Name: shop.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	_, err = c.DeleteApiConfig(ctx, &apigateway.DeleteApiConfigRequest{Name: v1.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	assert.Empty(t, listApis("", ""))
	assert.Empty(t, listGateways("", ""))
}
