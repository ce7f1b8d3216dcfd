package e2e_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/type/dayofweek"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"

	metastore "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/metastore"
)

// TestPublicMetastore serves Dataproc Metastore v1
// (google/cloud/metastore/v1/metastore.proto, unchanged) on every
// database, over gRPC and over REST through its own google.api.http
// annotations: services hold metadata imports and backups; every write is
// long-running (AIP-151) with a request_id (AIP-155); a service's Hive
// metastore config (maps of strings and of messages, a oneof secret), its
// network, maintenance, scaling (a oneof of an enum and a float) and
// telemetry configs are kept whole; DeleteService has no force, so a
// service with children is refused (AIP-135); ExportMetadata,
// RestoreService and the other custom methods are the user's.
func TestPublicMetastore(t *testing.T) {
	servePublicHTTP(t, "metastore", func(gs *grpc.Server, db *gorm.DB) {
		metastore.RegisterDataprocMetastoreServer(gs, metastore.NewDataprocMetastoreCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		metastoreScenario(t, metastore.NewDataprocMetastoreClient(cc), tag)
	}, metastoreHTTP)
}

// metastoreService is a service with every nested config set.
func metastoreService(port int32, tier metastore.Service_Tier, labels map[string]string) *metastore.Service {
	return &metastore.Service{
		Labels: labels,
		MetastoreConfig: &metastore.Service_HiveMetastoreConfig{HiveMetastoreConfig: &metastore.HiveMetastoreConfig{
			Version:         "3.1.2",
			ConfigOverrides: map[string]string{"hive.metastore.warehouse.dir": "gs://bucket/warehouse", "hive.exec.parallel": "true"},
			KerberosConfig: &metastore.KerberosConfig{
				Keytab:           &metastore.Secret{Value: &metastore.Secret_CloudSecret{CloudSecret: "projects/p/secrets/keytab/versions/1"}},
				Principal:        "hive/_HOST@EXAMPLE.COM",
				Krb5ConfigGcsUri: "gs://bucket/krb5.conf",
			},
			EndpointProtocol: metastore.HiveMetastoreConfig_GRPC,
			AuxiliaryVersions: map[string]*metastore.AuxiliaryVersionConfig{
				"aux2": {Version: "2.3.6", ConfigOverrides: map[string]string{"a": "1"}},
			},
		}},
		Network:           "projects/p/global/networks/default",
		Port:              port,
		Tier:              tier,
		MaintenanceWindow: &metastore.MaintenanceWindow{HourOfDay: wrapperspb.Int32(0), DayOfWeek: dayofweek.DayOfWeek_SUNDAY},
		ReleaseChannel:    metastore.Service_STABLE,
		NetworkConfig: &metastore.NetworkConfig{Consumers: []*metastore.NetworkConfig_Consumer{
			{VpcResource: &metastore.NetworkConfig_Consumer_Subnetwork{Subnetwork: "projects/p/regions/us-central1/subnetworks/a"}},
			{VpcResource: &metastore.NetworkConfig_Consumer_Subnetwork{Subnetwork: "projects/p/regions/us-central1/subnetworks/b"}},
		}},
		DatabaseType:    metastore.Service_MYSQL,
		TelemetryConfig: &metastore.TelemetryConfig{LogFormat: metastore.TelemetryConfig_JSON},
		ScalingConfig:   &metastore.ScalingConfig{ScalingModel: &metastore.ScalingConfig_ScalingFactor{ScalingFactor: 0.5}},
	}
}

func metastoreScenario(t *testing.T, c metastore.DataprocMetastoreClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &metastore.OperationMetadata{}, verb, target)
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
	refused := func(err error, code codes.Code, field, why string) {
		t.Helper()
		refusedFor(t, err, code, field, why)
	}
	// sameInput checks that what was sent comes back unchanged (the
	// OUTPUT_ONLY fields aside).
	sameInput := func(in, out *metastore.Service) {
		t.Helper()
		o := proto.Clone(out).(*metastore.Service)
		o.Name, o.CreateTime, o.UpdateTime, o.Uid = "", nil, nil, ""
		o.EndpointUri, o.State, o.StateMessage, o.ArtifactGcsUri, o.MetadataManagementActivity = "", 0, "", "", nil
		assert.True(t, proto.Equal(in, o), "sent:\n%v\nanswered:\n%v", in, o)
	}

	// Services: every nested config round-trips exactly.
	createService := func(id string, in *metastore.Service, rid string) *metastore.Service {
		t.Helper()
		op, err := c.CreateService(ctx, &metastore.CreateServiceRequest{Parent: loc, ServiceId: id, Service: in, RequestId: rid})
		out := &metastore.Service{}
		done(op, err, out, "create", loc+"/services/"+id)
		return out
	}
	inLake := metastoreService(9083, metastore.Service_ENTERPRISE, map[string]string{"team": "a", "env": "prod"})
	lake := createService("lake", inLake, "")
	assert.Equal(t, loc+"/services/lake", lake.Name)
	assert.NotNil(t, lake.CreateTime)
	sameInput(inLake, lake)
	got, err := c.GetService(ctx, &metastore.GetServiceRequest{Name: lake.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(lake, got), "Get:\n%v\ncreated:\n%v", got, lake)
	inPond := metastoreService(9084, metastore.Service_DEVELOPER, map[string]string{"team": "b"})
	inPond.ScalingConfig = &metastore.ScalingConfig{ScalingModel: &metastore.ScalingConfig_InstanceSize_{InstanceSize: metastore.ScalingConfig_SMALL}}
	inPond.GetHiveMetastoreConfig().KerberosConfig = nil
	inPond.MaintenanceWindow.DayOfWeek = dayofweek.DayOfWeek_MONDAY
	rid := map[string]string{"g": "3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a01", "r": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c02"}[tag]
	pond := createService("pond", inPond, rid)
	sameInput(inPond, pond)
	assert.Equal(t, metastore.ScalingConfig_SMALL, pond.GetScalingConfig().GetInstanceSize())

	// AIP-155: a request_id repeated answers the first service.
	op, err := c.CreateService(ctx, &metastore.CreateServiceRequest{Parent: loc, ServiceId: "pond", Service: inPond, RequestId: rid})
	again := &metastore.Service{}
	done(op, err, again, "create", pond.Name)
	assert.True(t, proto.Equal(pond, again), "a retried request answers the first service: %v", again)
	_, err = c.CreateService(ctx, &metastore.CreateServiceRequest{Parent: loc, ServiceId: "other", Service: inPond, RequestId: rid})
	refused(err, codes.InvalidArgument, "request_id", "a request id names one request")

	// Refusals name the offending field.
	_, err = c.CreateService(ctx, &metastore.CreateServiceRequest{Parent: loc, ServiceId: "lake", Service: inLake})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateService(ctx, &metastore.CreateServiceRequest{Parent: loc, Service: inLake})
	refused(err, codes.InvalidArgument, "service_id", "service_id is REQUIRED")
	_, err = c.CreateService(ctx, &metastore.CreateServiceRequest{Parent: loc, ServiceId: "Bad_Id", Service: inLake})
	refused(err, codes.InvalidArgument, "service_id", "an id of capitals and _")
	if tag == "g" {
		// Over REST the body is the service, and {} is an empty service:
		// metastoreHTTP sends no body at all.
		_, err = c.CreateService(ctx, &metastore.CreateServiceRequest{Parent: loc, ServiceId: "none"})
		refused(err, codes.InvalidArgument, "service", "service is REQUIRED")
	}
	_, err = c.GetService(ctx, &metastore.GetServiceRequest{Name: loc + "/services/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// List: pages, filters into labels and nested configs, order_by.
	listServices := func(filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*metastore.Service, string, error) {
			r, err := c.ListServices(ctx, &metastore.ListServicesRequest{Parent: loc, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetServices(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{lake.Name, pond.Name}, listServices("", ""))
	assert.Equal(t, []string{pond.Name, lake.Name}, listServices("", "port desc"))
	assert.Equal(t, []string{pond.Name}, listServices(`labels.team = "b"`, ""))
	assert.Equal(t, []string{lake.Name}, listServices(`tier = ENTERPRISE`, ""))
	assert.Equal(t, []string{lake.Name}, listServices(`port < 9084`, ""))
	assert.Equal(t, []string{lake.Name}, listServices(`hive_metastore_config.kerberos_config.principal:*`, ""))
	assert.Equal(t, []string{lake.Name, pond.Name}, listServices(`hive_metastore_config.auxiliary_versions:aux2`, ""))
	assert.Equal(t, []string{lake.Name}, listServices(`hive_metastore_config.kerberos_config.keytab.cloud_secret:*`, ""))
	assert.Equal(t, []string{pond.Name}, listServices(`NOT hive_metastore_config.kerberos_config:*`, ""))
	assert.Equal(t, []string{lake.Name}, listServices(`labels:env AND NOT labels.team = "b"`, ""))
	// Floats inside a message stored as JSON are not compared: the filter
	// is refused, naming the field and what filters compare there.
	_, err = c.ListServices(ctx, &metastore.ListServicesRequest{Parent: loc, Filter: `scaling_config.scaling_factor > 0.25`})
	refused(err, codes.InvalidArgument, "scaling_config.scaling_factor", "a float inside JSON")
	assert.Equal(t, []string{pond.Name}, listServices(`scaling_config.instance_size = SMALL`, ""))
	assert.Equal(t, []string{lake.Name, pond.Name}, listServices(`hive_metastore_config.endpoint_protocol = GRPC`, "name"))
	assert.Equal(t, []string{lake.Name}, listServices(`hive_metastore_config.auxiliary_versions.aux2.version = "2.3.6" AND maintenance_window.day_of_week = SUNDAY`, ""))
	assert.Equal(t, []string{pond.Name, lake.Name}, listServices(`network_config.consumers.subnetwork:"projects/p/regions/us-central1/subnetworks/a"`, "release_channel, port desc"))
	assert.Empty(t, listServices(`network_config.consumers.subnetwork:"subnetworks/a"`, ""), "an element whose value is the text")
	_, err = c.ListServices(ctx, &metastore.ListServicesRequest{Parent: loc, Filter: `network_config.consumers.subnetwork = "x"`})
	refused(err, codes.InvalidArgument, "has operator", "through a list, only :")
	_, err = c.ListServices(ctx, &metastore.ListServicesRequest{Parent: loc, Filter: `nothing = 1`})
	refused(err, codes.InvalidArgument, "nothing", "a filter on no field")
	_, err = c.ListServices(ctx, &metastore.ListServicesRequest{Parent: loc, OrderBy: "nothing"})
	refused(err, codes.InvalidArgument, "nothing", "order_by no field")

	// Update: the mask's fields, into the nested configs; IMMUTABLE ones
	// refused.
	op, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: lake.Name, Port: 1,
		Labels: map[string]string{"team": "c"}, MetastoreConfig: &metastore.Service_HiveMetastoreConfig{HiveMetastoreConfig: &metastore.HiveMetastoreConfig{
			ConfigOverrides: map[string]string{"x": "y"}}}}, UpdateMask: mask("labels", "hive_metastore_config.config_overrides"), RequestId: rid + "u"})
	upLake := &metastore.Service{}
	done(op, err, upLake, "update", lake.Name)
	assert.Equal(t, map[string]string{"team": "c"}, upLake.Labels)
	assert.Equal(t, int32(9083), upLake.Port, "port is not in the mask")
	assert.Equal(t, map[string]string{"x": "y"}, upLake.GetHiveMetastoreConfig().GetConfigOverrides())
	assert.Equal(t, "3.1.2", upLake.GetHiveMetastoreConfig().GetVersion())
	assert.True(t, proto.Equal(inLake.GetHiveMetastoreConfig().GetKerberosConfig(), upLake.GetHiveMetastoreConfig().GetKerberosConfig()), "%v", upLake)
	got, err = c.GetService(ctx, &metastore.GetServiceRequest{Name: lake.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(upLake, got), "Get:\n%v\nupdated:\n%v", got, upLake)
	// A mask path into a oneof's member replaces that member; another
	// member of the same oneof replaces the first.
	op, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: lake.Name,
		ScalingConfig:     &metastore.ScalingConfig{ScalingModel: &metastore.ScalingConfig_InstanceSize_{InstanceSize: metastore.ScalingConfig_LARGE}},
		MaintenanceWindow: &metastore.MaintenanceWindow{HourOfDay: wrapperspb.Int32(5)},
		MetastoreConfig: &metastore.Service_HiveMetastoreConfig{HiveMetastoreConfig: &metastore.HiveMetastoreConfig{
			KerberosConfig:    &metastore.KerberosConfig{Keytab: &metastore.Secret{Value: &metastore.Secret_CloudSecret{CloudSecret: "projects/p/secrets/k2/versions/2"}}},
			AuxiliaryVersions: map[string]*metastore.AuxiliaryVersionConfig{"aux-3": {Version: "3.0.0"}}}}},
		UpdateMask: mask("scaling_config.instance_size", "maintenance_window.hour_of_day", "hive_metastore_config.kerberos_config.keytab",
			"hive_metastore_config.auxiliary_versions")})
	upLake2 := &metastore.Service{}
	done(op, err, upLake2, "update", lake.Name)
	assert.Equal(t, metastore.ScalingConfig_LARGE, upLake2.GetScalingConfig().GetInstanceSize(), "%v", upLake2.GetScalingConfig())
	assert.Zero(t, upLake2.GetScalingConfig().GetScalingFactor(), "one member of a oneof: %v", upLake2.GetScalingConfig())
	assert.Equal(t, int32(5), upLake2.GetMaintenanceWindow().GetHourOfDay().GetValue())
	assert.Equal(t, dayofweek.DayOfWeek_SUNDAY, upLake2.GetMaintenanceWindow().GetDayOfWeek(), "day_of_week is not in the mask")
	hive := upLake2.GetHiveMetastoreConfig()
	assert.Equal(t, "projects/p/secrets/k2/versions/2", hive.GetKerberosConfig().GetKeytab().GetCloudSecret())
	assert.Equal(t, "hive/_HOST@EXAMPLE.COM", hive.GetKerberosConfig().GetPrincipal(), "principal is not in the mask")
	assert.Equal(t, map[string]string{"x": "y"}, hive.GetConfigOverrides())
	assert.Equal(t, []string{"aux-3"}, slices.Collect(maps.Keys(hive.GetAuxiliaryVersions())), "a map in the mask is replaced whole")
	got, err = c.GetService(ctx, &metastore.GetServiceRequest{Name: lake.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(upLake2, got), "Get:\n%v\nupdated:\n%v", got, upLake2)
	// One entry of a map by a key in backticks (AIP-161); a request_id
	// repeated answers the first Update and does not apply it again.
	urid := map[string]string{"g": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c07", "r": "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a08"}[tag]
	entry := &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: lake.Name, MetastoreConfig: &metastore.Service_HiveMetastoreConfig{
		HiveMetastoreConfig: &metastore.HiveMetastoreConfig{ConfigOverrides: map[string]string{"hive.a": "1"}}}},
		UpdateMask: mask("hive_metastore_config.config_overrides.`hive.a`"), RequestId: urid}
	op, err = c.UpdateService(ctx, entry)
	upEntry := &metastore.Service{}
	done(op, err, upEntry, "update", lake.Name)
	assert.Equal(t, map[string]string{"x": "y", "hive.a": "1"}, upEntry.GetHiveMetastoreConfig().GetConfigOverrides())
	op, err = c.UpdateService(ctx, entry)
	replayed := &metastore.Service{}
	done(op, err, replayed, "update", lake.Name)
	assert.True(t, proto.Equal(upEntry, replayed), "a retried Update answers the first: %v", replayed)
	_, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: lake.Name, Port: 7}, UpdateMask: mask("port"), RequestId: urid})
	refused(err, codes.InvalidArgument, "request_id", "a request id names one request")
	got, err = c.GetService(ctx, &metastore.GetServiceRequest{Name: lake.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(upEntry, got), "Get:\n%v\nupdated once:\n%v", got, upEntry)
	// A oneof's member in the mask, unset in the request, clears it.
	op, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: pond.Name}, UpdateMask: mask("hive_metastore_config", "scaling_config")})
	clearedPond := &metastore.Service{}
	done(op, err, clearedPond, "update", pond.Name)
	assert.Nil(t, clearedPond.GetMetastoreConfig(), "%v", clearedPond)
	assert.Nil(t, clearedPond.GetScalingConfig(), "%v", clearedPond)
	assert.Equal(t, pond.Port, clearedPond.Port)
	got, err = c.GetService(ctx, &metastore.GetServiceRequest{Name: pond.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(clearedPond, got), "Get:\n%v\nupdated:\n%v", got, clearedPond)
	_, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: lake.Name, Network: "projects/p/global/networks/x"},
		UpdateMask: mask("network")})
	refused(err, codes.InvalidArgument, "network", "network is IMMUTABLE")
	_, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: lake.Name, Port: 3}})
	refused(err, codes.InvalidArgument, "update_mask", "update_mask is REQUIRED")
	if tag == "g" {
		// Over REST the service's name is the path: no binding takes an
		// empty one.
		_, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{UpdateMask: mask("port")})
		refused(err, codes.InvalidArgument, "service", "service is REQUIRED")
	}
	_, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: lake.Name}, UpdateMask: mask("nothing")})
	refused(err, codes.InvalidArgument, "nothing", "a mask path of no field")
	_, err = c.UpdateService(ctx, &metastore.UpdateServiceRequest{Service: &metastore.Service{Name: loc + "/services/nothing", Port: 2},
		UpdateMask: mask("port")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Metadata imports under a service: the database dump is a oneof.
	createImport := func(svc, id, desc string) *metastore.MetadataImport {
		t.Helper()
		op, err := c.CreateMetadataImport(ctx, &metastore.CreateMetadataImportRequest{Parent: svc, MetadataImportId: id,
			MetadataImport: &metastore.MetadataImport{Description: desc, Metadata: &metastore.MetadataImport_DatabaseDump_{
				DatabaseDump: &metastore.MetadataImport_DatabaseDump{GcsUri: "gs://bucket/" + id + ".avro", Type: metastore.DatabaseDumpSpec_AVRO}}}})
		out := &metastore.MetadataImport{}
		done(op, err, out, "create", svc+"/metadataImports/"+id)
		return out
	}
	first, second := createImport(lake.Name, "first", "First"), createImport(lake.Name, "second", "Second")
	assert.Equal(t, "gs://bucket/first.avro", first.GetDatabaseDump().GetGcsUri())
	assert.Equal(t, metastore.DatabaseDumpSpec_AVRO, first.GetDatabaseDump().GetType())
	gotImport, err := c.GetMetadataImport(ctx, &metastore.GetMetadataImportRequest{Name: second.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(second, gotImport), "Get: %v, created: %v", gotImport, second)
	_, err = c.CreateMetadataImport(ctx, &metastore.CreateMetadataImportRequest{Parent: loc + "/services/nothing", MetadataImportId: "x",
		MetadataImport: &metastore.MetadataImport{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "an import of a missing service: %v", err)
	_, err = c.CreateMetadataImport(ctx, &metastore.CreateMetadataImportRequest{Parent: lake.Name, MetadataImportId: "first",
		MetadataImport: &metastore.MetadataImport{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	listImports := func(parent, filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*metastore.MetadataImport, string, error) {
			r, err := c.ListMetadataImports(ctx, &metastore.ListMetadataImportsRequest{Parent: parent, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetMetadataImports(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{first.Name, second.Name}, listImports(lake.Name, "", ""))
	assert.Equal(t, []string{second.Name, first.Name}, listImports(lake.Name, "", "description desc"))
	assert.Equal(t, []string{second.Name}, listImports(lake.Name, `description = "Second"`, ""))
	assert.Equal(t, []string{first.Name}, listImports(lake.Name, `database_dump.gcs_uri = "gs://bucket/first.avro"`, ""))
	assert.Empty(t, listImports(pond.Name, "", ""))
	op, err = c.UpdateMetadataImport(ctx, &metastore.UpdateMetadataImportRequest{MetadataImport: &metastore.MetadataImport{Name: first.Name,
		Description: "Renamed"}, UpdateMask: mask("description")})
	upFirst := &metastore.MetadataImport{}
	done(op, err, upFirst, "update", first.Name)
	assert.Equal(t, "Renamed", upFirst.Description)
	assert.True(t, proto.Equal(first.GetDatabaseDump(), upFirst.GetDatabaseDump()), "%v", upFirst)
	_, err = c.UpdateMetadataImport(ctx, &metastore.UpdateMetadataImportRequest{MetadataImport: &metastore.MetadataImport{Name: first.Name,
		Metadata: &metastore.MetadataImport_DatabaseDump_{DatabaseDump: &metastore.MetadataImport_DatabaseDump{GcsUri: "gs://x"}}}, UpdateMask: mask("database_dump")})
	refused(err, codes.InvalidArgument, "database_dump", "database_dump is IMMUTABLE")

	// Backups under a service; Delete is long-running.
	createBackup := func(svc, id, desc string) *metastore.Backup {
		t.Helper()
		op, err := c.CreateBackup(ctx, &metastore.CreateBackupRequest{Parent: svc, BackupId: id, Backup: &metastore.Backup{Description: desc}})
		out := &metastore.Backup{}
		done(op, err, out, "create", svc+"/backups/"+id)
		return out
	}
	daily, weekly := createBackup(pond.Name, "daily", "Daily"), createBackup(pond.Name, "weekly", "Weekly")
	assert.Equal(t, "Daily", daily.Description)
	gotBackup, err := c.GetBackup(ctx, &metastore.GetBackupRequest{Name: weekly.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(weekly, gotBackup), "Get: %v, created: %v", gotBackup, weekly)
	// OUTPUT_ONLY fields a client sends are not stored (AIP-203).
	op, err = c.CreateBackup(ctx, &metastore.CreateBackupRequest{Parent: lake.Name, BackupId: "sent", Backup: &metastore.Backup{Description: "Sent",
		State: metastore.Backup_ACTIVE, ServiceRevision: inLake, RestoringServices: []string{pond.Name}}})
	sent := &metastore.Backup{}
	done(op, err, sent, "create", lake.Name+"/backups/sent")
	assert.Equal(t, metastore.Backup_STATE_UNSPECIFIED, sent.State)
	assert.Nil(t, sent.ServiceRevision)
	assert.Empty(t, sent.RestoringServices)
	op, err = c.DeleteBackup(ctx, &metastore.DeleteBackupRequest{Name: sent.Name})
	done(op, err, &emptypb.Empty{}, "delete", sent.Name)
	_, err = c.ListBackups(ctx, &metastore.ListBackupsRequest{Parent: pond.Name, PageToken: "not-a-token"})
	refused(err, codes.InvalidArgument, "page_token", "a page token the server did not give")
	_, err = c.ListBackups(ctx, &metastore.ListBackupsRequest{Parent: pond.Name, PageSize: -1})
	refused(err, codes.InvalidArgument, "page_size", "a negative page size")
	_, err = c.CreateBackup(ctx, &metastore.CreateBackupRequest{Parent: pond.Name, Backup: &metastore.Backup{}})
	refused(err, codes.InvalidArgument, "backup_id", "backup_id is REQUIRED")
	listBackups := func(parent, filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*metastore.Backup, string, error) {
			r, err := c.ListBackups(ctx, &metastore.ListBackupsRequest{Parent: parent, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetBackups(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{daily.Name, weekly.Name}, listBackups(pond.Name, "", ""))
	assert.Equal(t, []string{weekly.Name, daily.Name}, listBackups(pond.Name, "", "name desc"))
	assert.Equal(t, []string{weekly.Name}, listBackups(pond.Name, `description = "Weekly"`, ""))
	assert.ElementsMatch(t, []string{daily.Name, weekly.Name}, listBackups(loc+"/services/-", "", ""), "AIP-159")
	_, err = c.GetBackup(ctx, &metastore.GetBackupRequest{Name: lake.Name + "/backups/daily"})
	assert.Equal(t, codes.NotFound, status.Code(err), "daily is under pond: %v", err)

	// AIP-135: DeleteService has no force; a service with children is
	// refused until they are gone.
	_, err = c.DeleteService(ctx, &metastore.DeleteServiceRequest{Name: pond.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "backups are under pond: %v", err)
	drid := map[string]string{"g": "1b2c3d4e-5f60-4a7b-9c8d-0e1f2a3b4c05", "r": "5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b06"}[tag]
	for _, b := range []*metastore.Backup{daily, weekly} {
		op, err = c.DeleteBackup(ctx, &metastore.DeleteBackupRequest{Name: b.Name, RequestId: drid + b.Description})
		done(op, err, &emptypb.Empty{}, "delete", b.Name)
	}
	_, err = c.DeleteBackup(ctx, &metastore.DeleteBackupRequest{Name: daily.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	op, err = c.DeleteService(ctx, &metastore.DeleteServiceRequest{Name: pond.Name, RequestId: drid})
	done(op, err, &emptypb.Empty{}, "delete", pond.Name)
	_, err = c.GetService(ctx, &metastore.GetServiceRequest{Name: pond.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.DeleteService(ctx, &metastore.DeleteServiceRequest{Name: lake.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "imports are under lake: %v", err)
	assert.Equal(t, []string{first.Name, second.Name}, listImports(lake.Name, "", ""), "a refused delete deletes nothing")
}

// metastoreHTTP calls Metastore's HTTP bindings as any HTTP client would,
// JSON in lowerCamelCase: a service's maps and oneofs are written by their
// members' names and answered so, and errors are google.rpc.Status with
// their HTTP status and the offending field.
func metastoreHTTP(t *testing.T, base string) {
	services := "/v1/projects/p-h/locations/us-central1/services"
	svc := `{"labels": {"team": "a"}, "port": 9083, "tier": "DEVELOPER",
		"hiveMetastoreConfig": {"version": "3.1.2", "configOverrides": {"k": "v"},
			"kerberosConfig": {"keytab": {"cloudSecret": "projects/p/secrets/k/versions/1"}, "principal": "hive@X"},
			"auxiliaryVersions": {"aux": {"version": "2.3.6"}}},
		"maintenanceWindow": {"hourOfDay": 3, "dayOfWeek": "MONDAY"},
		"scalingConfig": {"scalingFactor": 0.5},
		"networkConfig": {"consumers": [{"subnetwork": "projects/p/regions/r/subnetworks/s"}]}}`
	code, body := restCall(t, base, http.MethodPost, services+"?serviceId=raw&requestId=8d7c6b5a-4e3f-4a2b-9c1d-0e9f8a7b6c01", svc)
	require.Equal(t, http.StatusOK, code, body)
	op := decodeJSON(t, body)
	assert.Equal(t, true, op["done"], body)
	created, _ := op["response"].(map[string]any)
	require.NotNil(t, created, body)
	assert.Equal(t, "projects/p-h/locations/us-central1/services/raw", created["name"], body)
	hive, _ := created["hiveMetastoreConfig"].(map[string]any)
	require.NotNil(t, hive, body)
	assert.Equal(t, map[string]any{"k": "v"}, hive["configOverrides"], body)
	assert.Equal(t, map[string]any{"cloudSecret": "projects/p/secrets/k/versions/1"}, hive["kerberosConfig"].(map[string]any)["keytab"], body)
	aux, _ := hive["auxiliaryVersions"].(map[string]any)
	assert.Equal(t, []string{"aux"}, slices.Collect(maps.Keys(aux)), body)
	assert.Equal(t, "2.3.6", aux["aux"].(map[string]any)["version"], body)
	assert.Equal(t, map[string]any{"hourOfDay": float64(3), "dayOfWeek": "MONDAY"}, created["maintenanceWindow"], body)
	assert.Equal(t, map[string]any{"scalingFactor": 0.5}, created["scalingConfig"], body)
	code, body = restCall(t, base, http.MethodGet, services+"/raw", "")
	require.Equal(t, http.StatusOK, code, body)
	got := decodeJSON(t, body)
	delete(created, "@type")
	assert.Equal(t, created, got)

	code, body = restCall(t, base, http.MethodPost, services+"?serviceId=raw", svc)
	assert.Equal(t, http.StatusConflict, code, body)
	code, body = restCall(t, base, http.MethodPost, services+"?serviceId=two", `{"scalingConfig": {"scalingFactor": 1, "instanceSize": "SMALL"}}`)
	assert.Equal(t, http.StatusBadRequest, code, "two members of one oneof: %s", body)
	code, body = restCall(t, base, http.MethodPost, services+"?serviceId=none", "")
	assert.Equal(t, http.StatusBadRequest, code, "no body: %s", body)
	assert.Contains(t, body, "service", body)
	code, body = restCall(t, base, http.MethodPost, services+"?serviceId=Bad_Id", `{}`)
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, "service_id", body)

	code, body = restCall(t, base, http.MethodGet, services+"?pageSize=1&filter="+url.QueryEscape(`labels.team = "a"`)+"&orderBy="+url.QueryEscape("create_time desc"), "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, []any{got}, decodeJSON(t, body)["services"], body)

	code, body = restCall(t, base, http.MethodPatch, services+"/raw?updateMask=port", `{"port": 9090}`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, float64(9090), decodeJSON(t, body)["response"].(map[string]any)["port"], body)
	// A mask in lowerCamelCase, as JSON spells a FieldMask, into a map
	// entry by a key in backticks and into a oneof's member.
	code, body = restCall(t, base, http.MethodPatch, services+"/raw?updateMask="+url.QueryEscape("hiveMetastoreConfig.configOverrides.`a.b`,scalingConfig.instanceSize"),
		`{"hiveMetastoreConfig": {"configOverrides": {"a.b": "c"}}, "scalingConfig": {"instanceSize": "LARGE"}}`)
	require.Equal(t, http.StatusOK, code, body)
	patched := decodeJSON(t, body)["response"].(map[string]any)
	assert.Equal(t, map[string]any{"k": "v", "a.b": "c"}, patched["hiveMetastoreConfig"].(map[string]any)["configOverrides"], body)
	assert.Equal(t, map[string]any{"instanceSize": "LARGE"}, patched["scalingConfig"], body)
	code, body = restCall(t, base, http.MethodPatch, services+"/raw?updateMask=releaseChannel", `{"releaseChannel": "CANARY"}`)
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, "release_channel", "release_channel is IMMUTABLE: %s", body)
	code, body = restCall(t, base, http.MethodPost, services+"/raw/backups?backupId=b", `{"description": "B"}`)
	require.Equal(t, http.StatusOK, code, body)
	code, body = restCall(t, base, http.MethodDelete, services+"/raw", "")
	assert.Equal(t, http.StatusBadRequest, code, "a backup is under raw: %s", body)
	code, body = restCall(t, base, http.MethodDelete, services+"/raw/backups/b", "")
	require.Equal(t, http.StatusOK, code, body)
	code, body = restCall(t, base, http.MethodDelete, services+"/raw", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, true, decodeJSON(t, body)["done"], body)
	code, body = restCall(t, base, http.MethodGet, services+"/raw", "")
	assert.Equal(t, http.StatusNotFound, code, body)
}
