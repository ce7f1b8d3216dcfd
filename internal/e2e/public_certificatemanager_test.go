package e2e_test

import (
	"context"
	"testing"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	certmgr "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/certificatemanager"
)

// TestPublicCertificateManager serves Google Certificate Manager v1
// (google/cloud/certificatemanager/v1, unchanged) on every database, over
// gRPC and over REST through its own google.api.http annotations: six
// resources in one service, every write long-running (AIP-151) with a
// REQUIRED client id and an update mask; certificates hold labels, a
// oneof of messages with INPUT_ONLY fields and IMMUTABLE ones; map
// entries are named under their certificate map; trust configs are
// deleted with an etag (AIP-154).
func TestPublicCertificateManager(t *testing.T) {
	servePublic(t, "certificatemanager", func(gs *grpc.Server, db *gorm.DB) {
		certmgr.RegisterCertificateManagerServer(gs, certmgr.NewCertificateManagerCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		certificateManagerScenario(t, certmgr.NewCertificateManagerClient(cc), tag)
	})
}

func certificateManagerScenario(t *testing.T, c certmgr.CertificateManagerClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/global"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &certmgr.OperationMetadata{}, verb, target)
	}
	listCerts := func(req *certmgr.ListCertificatesRequest) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*certmgr.Certificate, string, error) {
			r := proto.Clone(req).(*certmgr.ListCertificatesRequest)
			r.Parent, r.PageSize, r.PageToken = loc, 1, token
			resp, err := c.ListCertificates(ctx, r)
			return resp.GetCertificates(), resp.GetNextPageToken(), err
		})
	}

	// Certificates: self-managed, whose PEM fields are INPUT_ONLY, and
	// managed, whose domains are IMMUTABLE.
	op, err := c.CreateCertificate(ctx, &certmgr.CreateCertificateRequest{Parent: loc, CertificateId: "self", Certificate: &certmgr.Certificate{
		Description: "uploaded", Labels: map[string]string{"env": "prod"},
		Type: &certmgr.Certificate_SelfManaged{SelfManaged: &certmgr.Certificate_SelfManagedCertificate{PemCertificate: "CERT", PemPrivateKey: "KEY"}}}})
	self := &certmgr.Certificate{}
	done(op, err, self, "create", loc+"/certificates/self")
	assert.Equal(t, loc+"/certificates/self", self.Name)
	assert.NotNil(t, self.CreateTime)
	assert.Empty(t, self.GetSelfManaged().GetPemPrivateKey(), "INPUT_ONLY")
	op, err = c.CreateCertificate(ctx, &certmgr.CreateCertificateRequest{Parent: loc, CertificateId: "managed", Certificate: &certmgr.Certificate{
		Description: "issued", Labels: map[string]string{"env": "dev"}, Scope: certmgr.Certificate_EDGE_CACHE,
		Type: &certmgr.Certificate_Managed{Managed: &certmgr.Certificate_ManagedCertificate{Domains: []string{"example.com", "www.example.com"}}}}})
	managed := &certmgr.Certificate{}
	done(op, err, managed, "create", loc+"/certificates/managed")
	assert.Equal(t, []string{"example.com", "www.example.com"}, managed.GetManaged().GetDomains())
	got, err := c.GetCertificate(ctx, &certmgr.GetCertificateRequest{Name: managed.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(managed, got), "Get: %v, created: %v", got, managed)
	_, err = c.CreateCertificate(ctx, &certmgr.CreateCertificateRequest{Parent: loc, Certificate: &certmgr.Certificate{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "certificate_id is REQUIRED: %v", err)
	_, err = c.CreateCertificate(ctx, &certmgr.CreateCertificateRequest{Parent: loc, CertificateId: "self", Certificate: &certmgr.Certificate{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)

	// List by pages, ordered and filtered.
	assert.Equal(t, []string{managed.Name, self.Name}, listCerts(&certmgr.ListCertificatesRequest{OrderBy: "name"}))
	assert.Equal(t, []string{self.Name, managed.Name}, listCerts(&certmgr.ListCertificatesRequest{OrderBy: "description desc"}))
	assert.Equal(t, []string{self.Name}, listCerts(&certmgr.ListCertificatesRequest{Filter: `description = "uploaded"`}))
	assert.Equal(t, []string{managed.Name}, listCerts(&certmgr.ListCertificatesRequest{Filter: `scope = EDGE_CACHE`}))
	_, err = c.ListCertificates(ctx, &certmgr.ListCertificatesRequest{Parent: loc, Filter: `nothing = 1`})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a filter on no field: %v", err)

	// Update with its REQUIRED mask: the fields it names only; IMMUTABLE
	// fields are refused.
	op, err = c.UpdateCertificate(ctx, &certmgr.UpdateCertificateRequest{Certificate: &certmgr.Certificate{Name: managed.Name,
		Labels: map[string]string{"env": "prod"}, Description: "not in the mask"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	up := &certmgr.Certificate{}
	done(op, err, up, "update", managed.Name)
	assert.Equal(t, map[string]string{"env": "prod"}, up.Labels)
	assert.Equal(t, "issued", up.Description)
	assert.True(t, up.UpdateTime.AsTime().After(managed.UpdateTime.AsTime()) || up.UpdateTime.AsTime().Equal(managed.UpdateTime.AsTime()))
	_, err = c.UpdateCertificate(ctx, &certmgr.UpdateCertificateRequest{Certificate: &certmgr.Certificate{Name: managed.Name, Scope: certmgr.Certificate_ALL_REGIONS},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"scope"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "scope is IMMUTABLE: %v", err)
	_, err = c.UpdateCertificate(ctx, &certmgr.UpdateCertificateRequest{Certificate: &certmgr.Certificate{Name: managed.Name, Description: "x"}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "update_mask is REQUIRED: %v", err)
	_, err = c.UpdateCertificate(ctx, &certmgr.UpdateCertificateRequest{Certificate: &certmgr.Certificate{Name: loc + "/certificates/nothing", Description: "x"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// A certificate map and its entries, named under it.
	op, err = c.CreateCertificateMap(ctx, &certmgr.CreateCertificateMapRequest{Parent: loc, CertificateMapId: "map", CertificateMap: &certmgr.CertificateMap{
		Labels: map[string]string{"lb": "main"}}})
	cmap := &certmgr.CertificateMap{}
	done(op, err, cmap, "create", loc+"/certificateMaps/map")
	entry := func(id string, e *certmgr.CertificateMapEntry) *certmgr.CertificateMapEntry {
		t.Helper()
		op, err := c.CreateCertificateMapEntry(ctx, &certmgr.CreateCertificateMapEntryRequest{Parent: cmap.Name, CertificateMapEntryId: id, CertificateMapEntry: e})
		out := &certmgr.CertificateMapEntry{}
		done(op, err, out, "create", cmap.Name+"/certificateMapEntries/"+id)
		return out
	}
	primary := entry("primary", &certmgr.CertificateMapEntry{Match: &certmgr.CertificateMapEntry_Matcher_{Matcher: certmgr.CertificateMapEntry_PRIMARY},
		Certificates: []string{self.Name}})
	www := entry("www", &certmgr.CertificateMapEntry{Match: &certmgr.CertificateMapEntry_Hostname{Hostname: "www.example.com"},
		Certificates: []string{managed.Name}})
	assert.Equal(t, certmgr.CertificateMapEntry_PRIMARY, primary.GetMatcher())
	gotEntry, err := c.GetCertificateMapEntry(ctx, &certmgr.GetCertificateMapEntryRequest{Name: www.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(www, gotEntry), "Get: %v, created: %v", gotEntry, www)
	entries := pageNames(t, func(token string) ([]*certmgr.CertificateMapEntry, string, error) {
		r, err := c.ListCertificateMapEntries(ctx, &certmgr.ListCertificateMapEntriesRequest{Parent: cmap.Name, PageSize: 1, PageToken: token, OrderBy: "name desc"})
		return r.GetCertificateMapEntries(), r.GetNextPageToken(), err
	})
	assert.Equal(t, []string{www.Name, primary.Name}, entries)
	// An entry's certificates (a repeated resource_reference) each exist,
	// and one an entry names is not deleted.
	_, err = c.CreateCertificateMapEntry(ctx, &certmgr.CreateCertificateMapEntryRequest{Parent: cmap.Name, CertificateMapEntryId: "api",
		CertificateMapEntry: &certmgr.CertificateMapEntry{Match: &certmgr.CertificateMapEntry_Hostname{Hostname: "api.example.com"},
			Certificates: []string{self.Name, loc + "/certificates/nothing"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "certificate_map_entry.certificates[1]")
	_, err = c.DeleteCertificate(ctx, &certmgr.DeleteCertificateRequest{Name: managed.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "www names it: %v", err)
	r, err := c.ListCertificateMapEntries(ctx, &certmgr.ListCertificateMapEntriesRequest{Parent: cmap.Name, Filter: `hostname = "www.example.com"`})
	require.NoError(t, err)
	assert.Equal(t, []string{www.Name}, namesOf(r.CertificateMapEntries))
	_, err = c.CreateCertificateMapEntry(ctx, &certmgr.CreateCertificateMapEntryRequest{Parent: loc + "/certificateMaps/nothing", CertificateMapEntryId: "e",
		CertificateMapEntry: &certmgr.CertificateMapEntry{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "an entry of a missing map: %v", err)
	op, err = c.UpdateCertificateMapEntry(ctx, &certmgr.UpdateCertificateMapEntryRequest{CertificateMapEntry: &certmgr.CertificateMapEntry{Name: www.Name,
		Match: &certmgr.CertificateMapEntry_Hostname{Hostname: "api.example.com"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"hostname"}}})
	upEntry := &certmgr.CertificateMapEntry{}
	done(op, err, upEntry, "update", www.Name)
	assert.Equal(t, "api.example.com", upEntry.GetHostname())
	_, err = c.DeleteCertificateMap(ctx, &certmgr.DeleteCertificateMapRequest{Name: cmap.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a map with entries: %v", err)

	// DNS authorizations: domain is REQUIRED and IMMUTABLE.
	op, err = c.CreateDnsAuthorization(ctx, &certmgr.CreateDnsAuthorizationRequest{Parent: loc, DnsAuthorizationId: "dns", DnsAuthorization: &certmgr.DnsAuthorization{
		Domain: "example.com", Type: certmgr.DnsAuthorization_PER_PROJECT_RECORD}})
	dns := &certmgr.DnsAuthorization{}
	done(op, err, dns, "create", loc+"/dnsAuthorizations/dns")
	_, err = c.CreateDnsAuthorization(ctx, &certmgr.CreateDnsAuthorizationRequest{Parent: loc, DnsAuthorizationId: "nodomain", DnsAuthorization: &certmgr.DnsAuthorization{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "domain is REQUIRED: %v", err)
	_, err = c.UpdateDnsAuthorization(ctx, &certmgr.UpdateDnsAuthorizationRequest{DnsAuthorization: &certmgr.DnsAuthorization{Name: dns.Name, Domain: "other.com"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"domain"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "domain is IMMUTABLE: %v", err)

	// Issuance configs: created, read and deleted (no Update).
	op, err = c.CreateCertificateIssuanceConfig(ctx, &certmgr.CreateCertificateIssuanceConfigRequest{Parent: loc, CertificateIssuanceConfigId: "ic",
		CertificateIssuanceConfig: &certmgr.CertificateIssuanceConfig{
			CertificateAuthorityConfig: &certmgr.CertificateIssuanceConfig_CertificateAuthorityConfig{Kind: &certmgr.CertificateIssuanceConfig_CertificateAuthorityConfig_CertificateAuthorityServiceConfig_{
				CertificateAuthorityServiceConfig: &certmgr.CertificateIssuanceConfig_CertificateAuthorityConfig_CertificateAuthorityServiceConfig{CaPool: "projects/p/locations/l/caPools/pool"}}},
			Lifetime: durationpb.New(30 * 24 * time.Hour), RotationWindowPercentage: 66, KeyAlgorithm: certmgr.CertificateIssuanceConfig_ECDSA_P256}})
	ic := &certmgr.CertificateIssuanceConfig{}
	done(op, err, ic, "create", loc+"/certificateIssuanceConfigs/ic")
	assert.Equal(t, 30*24*time.Hour, ic.Lifetime.AsDuration())
	_, err = c.CreateCertificateIssuanceConfig(ctx, &certmgr.CreateCertificateIssuanceConfigRequest{Parent: loc, CertificateIssuanceConfigId: "bad",
		CertificateIssuanceConfig: &certmgr.CertificateIssuanceConfig{Lifetime: durationpb.New(time.Hour), RotationWindowPercentage: 50, KeyAlgorithm: certmgr.CertificateIssuanceConfig_RSA_2048}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "certificate_authority_config is REQUIRED: %v", err)

	// Trust configs: etags on Update and Delete.
	op, err = c.CreateTrustConfig(ctx, &certmgr.CreateTrustConfigRequest{Parent: loc, TrustConfigId: "trust", TrustConfig: &certmgr.TrustConfig{
		TrustStores: []*certmgr.TrustConfig_TrustStore{{TrustAnchors: []*certmgr.TrustConfig_TrustAnchor{{Kind: &certmgr.TrustConfig_TrustAnchor_PemCertificate{PemCertificate: "ROOT"}}}}}}})
	trust := &certmgr.TrustConfig{}
	done(op, err, trust, "create", loc+"/trustConfigs/trust")
	assert.NotEmpty(t, trust.Etag)
	op, err = c.UpdateTrustConfig(ctx, &certmgr.UpdateTrustConfigRequest{TrustConfig: &certmgr.TrustConfig{Name: trust.Name, Description: "roots", Etag: trust.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	upTrust := &certmgr.TrustConfig{}
	done(op, err, upTrust, "update", trust.Name)
	assert.Equal(t, "roots", upTrust.Description)
	assert.Len(t, upTrust.TrustStores, 1)
	assert.NotEqual(t, trust.Etag, upTrust.Etag)
	_, err = c.UpdateTrustConfig(ctx, &certmgr.UpdateTrustConfigRequest{TrustConfig: &certmgr.TrustConfig{Name: trust.Name, Description: "x", Etag: trust.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	_, err = c.DeleteTrustConfig(ctx, &certmgr.DeleteTrustConfigRequest{Name: trust.Name, Etag: trust.Etag})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	op, err = c.DeleteTrustConfig(ctx, &certmgr.DeleteTrustConfigRequest{Name: trust.Name, Etag: upTrust.Etag})
	done(op, err, &emptypb.Empty{}, "delete", trust.Name)
	_, err = c.GetTrustConfig(ctx, &certmgr.GetTrustConfigRequest{Name: trust.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Delete, long-running, answering Empty: entries, then their map.
	for _, e := range []*certmgr.CertificateMapEntry{primary, www} {
		op, err = c.DeleteCertificateMapEntry(ctx, &certmgr.DeleteCertificateMapEntryRequest{Name: e.Name})
		done(op, err, &emptypb.Empty{}, "delete", e.Name)
	}
	op, err = c.DeleteCertificateMap(ctx, &certmgr.DeleteCertificateMapRequest{Name: cmap.Name})
	done(op, err, &emptypb.Empty{}, "delete", cmap.Name)
	for _, name := range []string{self.Name, managed.Name} {
		op, err = c.DeleteCertificate(ctx, &certmgr.DeleteCertificateRequest{Name: name})
		done(op, err, &emptypb.Empty{}, "delete", name)
	}
	_, err = c.DeleteCertificate(ctx, &certmgr.DeleteCertificateRequest{Name: self.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	op, err = c.DeleteDnsAuthorization(ctx, &certmgr.DeleteDnsAuthorizationRequest{Name: dns.Name})
	done(op, err, &emptypb.Empty{}, "delete", dns.Name)
	op, err = c.DeleteCertificateIssuanceConfig(ctx, &certmgr.DeleteCertificateIssuanceConfigRequest{Name: ic.Name})
	done(op, err, &emptypb.Empty{}, "delete", ic.Name)
	assert.Empty(t, listCerts(&certmgr.ListCertificatesRequest{}))
}
