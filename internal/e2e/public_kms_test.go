package e2e_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"

	kmsv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/kms"
)

// TestPublicKMS serves Google Cloud KMS (google/cloud/kms/v1, unchanged)
// on every database, over gRPC and over REST through its own
// google.api.http annotations: key rings under a project and location
// that are no resources of the API, crypto keys and import jobs under key
// rings (named by the client's {resource}_id), versions under crypto keys
// (named by the server), the public key singleton of a version, and the
// long-running deletes.
func TestPublicKMS(t *testing.T) {
	servePublic(t, "kms", func(gs *grpc.Server, db *gorm.DB) {
		kmsv1.RegisterKeyManagementServiceServer(gs, kmsv1.NewKeyManagementServiceCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		kmsScenario(t, kmsv1.NewKeyManagementServiceClient(cc), tag)
	})
}

// kmsScenario runs the standard methods of Cloud KMS through c, under a
// location of its own (tag tells the transports apart).
func kmsScenario(t *testing.T, c kmsv1.KeyManagementServiceClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/global"
	listRings := func(t *testing.T, req *kmsv1.ListKeyRingsRequest) []string {
		return pageNames(t, func(token string) ([]*kmsv1.KeyRing, string, error) {
			q := proto.Clone(req).(*kmsv1.ListKeyRingsRequest)
			q.PageSize, q.PageToken = 1, token
			r, err := c.ListKeyRings(ctx, q)
			return r.GetKeyRings(), r.GetNextPageToken(), err
		})
	}
	listVersions := func(t *testing.T, req *kmsv1.ListCryptoKeyVersionsRequest) []string {
		return pageNames(t, func(token string) ([]*kmsv1.CryptoKeyVersion, string, error) {
			q := proto.Clone(req).(*kmsv1.ListCryptoKeyVersionsRequest)
			q.PageSize, q.PageToken = 1, token
			r, err := c.ListCryptoKeyVersions(ctx, q)
			return r.GetCryptoKeyVersions(), r.GetNextPageToken(), err
		})
	}

	// Key rings, named by the client's key_ring_id (AIP-133).
	for _, id := range []string{"ring-b", "ring-a", "ring-c"} {
		r, err := c.CreateKeyRing(ctx, &kmsv1.CreateKeyRingRequest{Parent: loc, KeyRingId: id, KeyRing: &kmsv1.KeyRing{Name: "projects/evil/locations/evil/keyRings/evil"}})
		require.NoError(t, err)
		assert.Equal(t, loc+"/keyRings/"+id, r.Name)
		assert.NotNil(t, r.CreateTime, "create_time is the server's")
	}
	_, err := c.CreateKeyRing(ctx, &kmsv1.CreateKeyRingRequest{Parent: loc, KeyRingId: "ring-a", KeyRing: &kmsv1.KeyRing{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "the same key_ring_id twice: %v", err)
	_, err = c.CreateKeyRing(ctx, &kmsv1.CreateKeyRingRequest{Parent: loc, KeyRingId: "Not An Id!", KeyRing: &kmsv1.KeyRing{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "an id that is not one (AIP-122): %v", err)
	if tag == "g" {
		// Over REST no route takes it: 404.
		_, err = c.CreateKeyRing(ctx, &kmsv1.CreateKeyRingRequest{Parent: "projects/p", KeyRingId: "x", KeyRing: &kmsv1.KeyRing{}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "a parent of another pattern: %v", err)
	}
	ring, err := c.GetKeyRing(ctx, &kmsv1.GetKeyRingRequest{Name: loc + "/keyRings/ring-a"})
	require.NoError(t, err)
	assert.Equal(t, loc+"/keyRings/ring-a", ring.Name)
	_, err = c.GetKeyRing(ctx, &kmsv1.GetKeyRingRequest{Name: loc + "/keyRings/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// List: pages, filter, order_by (AIP-132, 158, 160), total_size.
	assert.ElementsMatch(t, []string{loc + "/keyRings/ring-a", loc + "/keyRings/ring-b", loc + "/keyRings/ring-c"},
		listRings(t, &kmsv1.ListKeyRingsRequest{Parent: loc}))
	assert.Equal(t, []string{loc + "/keyRings/ring-c", loc + "/keyRings/ring-b", loc + "/keyRings/ring-a"},
		listRings(t, &kmsv1.ListKeyRingsRequest{Parent: loc, OrderBy: "name desc"}))
	assert.Equal(t, []string{loc + "/keyRings/ring-b"},
		listRings(t, &kmsv1.ListKeyRingsRequest{Parent: loc, Filter: `name = "` + loc + `/keyRings/ring-b"`}))
	all, err := c.ListKeyRings(ctx, &kmsv1.ListKeyRingsRequest{Parent: loc, PageSize: 2})
	require.NoError(t, err)
	assert.Len(t, all.KeyRings, 2)
	assert.NotEmpty(t, all.NextPageToken)
	assert.Equal(t, int32(3), all.TotalSize, "total_size counts every page")
	some, err := c.ListKeyRings(ctx, &kmsv1.ListKeyRingsRequest{Parent: loc, PageSize: 1, Filter: `name != "` + loc + `/keyRings/ring-b"`})
	require.NoError(t, err)
	assert.Equal(t, int32(2), some.TotalSize, "total_size counts what the filter keeps")
	_, err = c.ListKeyRings(ctx, &kmsv1.ListKeyRingsRequest{Parent: loc, PageSize: -1})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "negative page_size: %v", err)
	next, err := c.ListKeyRings(ctx, &kmsv1.ListKeyRingsRequest{Parent: loc, PageSize: 5, PageToken: all.NextPageToken})
	require.NoError(t, err, "page_size may change between pages (AIP-158)")
	assert.Len(t, next.KeyRings, 1)
	_, err = c.ListKeyRings(ctx, &kmsv1.ListKeyRingsRequest{Parent: loc, PageSize: 2, PageToken: all.NextPageToken, OrderBy: "name desc"})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "order_by changed between pages (AIP-158): %v", err)
	_, err = c.ListKeyRings(ctx, &kmsv1.ListKeyRingsRequest{Parent: loc, Filter: "nope = 1"})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a filter on no field: %v", err)
	_, err = c.ListKeyRings(ctx, &kmsv1.ListKeyRingsRequest{Parent: loc, OrderBy: "nope"})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "an order on no field: %v", err)

	// Crypto keys under a key ring, with the message fields of the API.
	ringName := loc + "/keyRings/ring-a"
	at := timestamppb.New(time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC))
	ck, err := c.CreateCryptoKey(ctx, &kmsv1.CreateCryptoKeyRequest{Parent: ringName, CryptoKeyId: "key-1", CryptoKey: &kmsv1.CryptoKey{
		Purpose:          kmsv1.CryptoKey_ENCRYPT_DECRYPT,
		Primary:          &kmsv1.CryptoKeyVersion{Name: "evil"},
		NextRotationTime: at,
		RotationSchedule: &kmsv1.CryptoKey_RotationPeriod{RotationPeriod: durationpb.New(48 * time.Hour)},
		VersionTemplate:  &kmsv1.CryptoKeyVersionTemplate{ProtectionLevel: kmsv1.ProtectionLevel_HSM, Algorithm: kmsv1.CryptoKeyVersion_GOOGLE_SYMMETRIC_ENCRYPTION},
		Labels:           map[string]string{"team": "a"},
	}})
	require.NoError(t, err)
	assert.Equal(t, ringName+"/cryptoKeys/key-1", ck.Name)
	assert.Nil(t, ck.Primary, "primary is OUTPUT_ONLY: what a client sends is cleared (AIP-203)")
	assert.Equal(t, 48*time.Hour, ck.GetRotationPeriod().AsDuration())
	assert.True(t, at.AsTime().Equal(ck.NextRotationTime.AsTime()))
	got, err := c.GetCryptoKey(ctx, &kmsv1.GetCryptoKeyRequest{Name: ck.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(ck, got), "Get: %v, created: %v", got, ck)
	_, err = c.CreateCryptoKey(ctx, &kmsv1.CreateCryptoKeyRequest{Parent: loc + "/keyRings/nothing", CryptoKeyId: "k", CryptoKey: &kmsv1.CryptoKey{Purpose: kmsv1.CryptoKey_MAC}})
	assert.Equal(t, codes.NotFound, status.Code(err), "under a missing key ring: %v", err)
	_, err = c.CreateCryptoKey(ctx, &kmsv1.CreateCryptoKeyRequest{Parent: ringName, CryptoKeyId: "key-2", CryptoKey: &kmsv1.CryptoKey{Purpose: kmsv1.CryptoKey_MAC}, SkipInitialVersionCreation: true})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a request field the generated Create does not serve: %v", err)

	// Update: the mask's fields only; IMMUTABLE purpose is refused.
	up, err := c.UpdateCryptoKey(ctx, &kmsv1.UpdateCryptoKeyRequest{
		CryptoKey:  &kmsv1.CryptoKey{Name: ck.Name, Labels: map[string]string{"team": "b"}, Purpose: kmsv1.CryptoKey_ENCRYPT_DECRYPT},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}},
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "b"}, up.Labels)
	assert.Equal(t, 48*time.Hour, up.GetRotationPeriod().AsDuration(), "not in the mask")
	_, err = c.UpdateCryptoKey(ctx, &kmsv1.UpdateCryptoKeyRequest{
		CryptoKey:  &kmsv1.CryptoKey{Name: ck.Name, Purpose: kmsv1.CryptoKey_MAC},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"purpose"}},
	})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "purpose is IMMUTABLE: %v", err)
	_, err = c.UpdateCryptoKey(ctx, &kmsv1.UpdateCryptoKeyRequest{
		CryptoKey:  &kmsv1.CryptoKey{Name: ck.Name, Labels: map[string]string{"x": "y"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"nope"}},
	})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "an unknown path: %v", err)
	_, err = c.UpdateCryptoKey(ctx, &kmsv1.UpdateCryptoKeyRequest{
		CryptoKey:  &kmsv1.CryptoKey{Name: ringName + "/cryptoKeys/nothing", Labels: map[string]string{"x": "y"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}},
	})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Versions, named by the server under their crypto key.
	var versions []*kmsv1.CryptoKeyVersion
	for _, st := range []kmsv1.CryptoKeyVersion_CryptoKeyVersionState{kmsv1.CryptoKeyVersion_ENABLED, kmsv1.CryptoKeyVersion_DISABLED, kmsv1.CryptoKeyVersion_ENABLED} {
		v, err := c.CreateCryptoKeyVersion(ctx, &kmsv1.CreateCryptoKeyVersionRequest{Parent: ck.Name, CryptoKeyVersion: &kmsv1.CryptoKeyVersion{State: st}})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(ck.Name)+`/cryptoKeyVersions/`+uuidPart+`$`), v.Name)
		assert.Equal(t, st, v.State)
		versions = append(versions, v)
	}
	assert.ElementsMatch(t, []string{versions[0].Name, versions[1].Name, versions[2].Name}, listVersions(t, &kmsv1.ListCryptoKeyVersionsRequest{Parent: ck.Name}))
	assert.ElementsMatch(t, []string{versions[0].Name, versions[2].Name}, listVersions(t, &kmsv1.ListCryptoKeyVersionsRequest{Parent: ck.Name, Filter: "state = ENABLED"}))
	assert.ElementsMatch(t, []string{versions[1].Name}, listVersions(t, &kmsv1.ListCryptoKeyVersionsRequest{Parent: ck.Name, Filter: "state != ENABLED"}))
	byState := listVersions(t, &kmsv1.ListCryptoKeyVersionsRequest{Parent: ck.Name, OrderBy: "state desc, name"})
	require.Len(t, byState, 3)
	assert.Equal(t, versions[1].Name, byState[0], "DISABLED (2) before ENABLED (1)")
	uv, err := c.UpdateCryptoKeyVersion(ctx, &kmsv1.UpdateCryptoKeyVersionRequest{
		CryptoKeyVersion: &kmsv1.CryptoKeyVersion{Name: versions[1].Name, State: kmsv1.CryptoKeyVersion_ENABLED, Algorithm: kmsv1.CryptoKeyVersion_HMAC_SHA256},
		UpdateMask:       &fieldmaskpb.FieldMask{Paths: []string{"state"}},
	})
	require.NoError(t, err)
	assert.Equal(t, kmsv1.CryptoKeyVersion_ENABLED, uv.State)
	assert.Equal(t, versions[1].Algorithm, uv.Algorithm, "algorithm is output only")

	// The public key of a version is a singleton (AIP-156): it exists
	// with its version, and is named after it. GetPublicKeyRequest.name
	// is the version's name (its resource_reference and its HTTP rule,
	// GET /v1/{name=…/cryptoKeyVersions/*}/publicKey, say so).
	pk, err := c.GetPublicKey(ctx, &kmsv1.GetPublicKeyRequest{Name: versions[0].Name})
	require.NoError(t, err)
	assert.Equal(t, versions[0].Name+"/publicKey", pk.Name)
	_, err = c.GetPublicKey(ctx, &kmsv1.GetPublicKeyRequest{Name: ck.Name + "/cryptoKeyVersions/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "the public key of no version: %v", err)
	_, err = c.GetPublicKey(ctx, &kmsv1.GetPublicKeyRequest{Name: versions[0].Name, PublicKeyFormat: kmsv1.PublicKey_PEM})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "public_key_format is not served: %v", err)

	// Import jobs under the key ring.
	ij, err := c.CreateImportJob(ctx, &kmsv1.CreateImportJobRequest{Parent: ringName, ImportJobId: "job-1", ImportJob: &kmsv1.ImportJob{
		ImportMethod: kmsv1.ImportJob_RSA_OAEP_3072_SHA256, ProtectionLevel: kmsv1.ProtectionLevel_HSM}})
	require.NoError(t, err)
	assert.Equal(t, ringName+"/importJobs/job-1", ij.Name)
	gotJob, err := c.GetImportJob(ctx, &kmsv1.GetImportJobRequest{Name: ij.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(ij, gotJob), "Get: %v, created: %v", gotJob, ij)
	_, err = c.CreateImportJob(ctx, &kmsv1.CreateImportJobRequest{Parent: ringName, ImportJobId: "job-2", ImportJob: &kmsv1.ImportJob{ProtectionLevel: kmsv1.ProtectionLevel_HSM}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "import_method is REQUIRED: %v", err)
	jobs, err := c.ListImportJobs(ctx, &kmsv1.ListImportJobsRequest{Parent: ringName})
	require.NoError(t, err)
	require.Len(t, jobs.ImportJobs, 1)
	assert.Equal(t, int32(1), jobs.TotalSize)

	// Nothing is retired yet.
	retired, err := c.ListRetiredResources(ctx, &kmsv1.ListRetiredResourcesRequest{Parent: loc})
	require.NoError(t, err)
	assert.Empty(t, retired.RetiredResources)

	// Deletes are long-running: a crypto key with versions is not
	// deleted; its versions first.
	_, err = c.DeleteCryptoKey(ctx, &kmsv1.DeleteCryptoKeyRequest{Name: ck.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a crypto key with versions: %v", err)
	for _, v := range versions {
		op, err := c.DeleteCryptoKeyVersion(ctx, &kmsv1.DeleteCryptoKeyVersionRequest{Name: v.Name})
		require.NoError(t, err)
		operationDone(t, op, &emptypb.Empty{}, nil)
		_, err = c.GetCryptoKeyVersion(ctx, &kmsv1.GetCryptoKeyVersionRequest{Name: v.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
	}
	op, err := c.DeleteCryptoKey(ctx, &kmsv1.DeleteCryptoKeyRequest{Name: ck.Name})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, nil)
	_, err = c.GetCryptoKey(ctx, &kmsv1.GetCryptoKeyRequest{Name: ck.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
	_, err = c.DeleteCryptoKey(ctx, &kmsv1.DeleteCryptoKeyRequest{Name: ck.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)

	// The custom methods are the user's (AIP-136).
	_, err = c.Encrypt(ctx, &kmsv1.EncryptRequest{Name: ck.Name, Plaintext: []byte("x")})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "Encrypt: %v", err)
	_, err = c.DestroyCryptoKeyVersion(ctx, &kmsv1.DestroyCryptoKeyVersionRequest{Name: versions[0].Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "DestroyCryptoKeyVersion: %v", err)
}

// kmsWithPrimary is what a user writes: the generated service, with
// UpdateCryptoKeyPrimaryVersion (a custom method, AIP-136) implemented
// with the resources' stores.
type kmsWithPrimary struct {
	*kmsv1.KeyManagementServiceCRUD
}

// UpdateCryptoKeyPrimaryVersion sets the crypto key's primary, which is
// OUTPUT_ONLY: no client writes it, the server's own code does.
func (k kmsWithPrimary) UpdateCryptoKeyPrimaryVersion(ctx context.Context, req *kmsv1.UpdateCryptoKeyPrimaryVersionRequest) (*kmsv1.CryptoKey, error) {
	v, err := k.CryptoKeyVersionStore().GetByName(ctx, req.Name+"/cryptoKeyVersions/"+req.CryptoKeyVersionId)
	if err != nil {
		return nil, err
	}
	return k.CryptoKeyStore().Update(ctx, &kmsv1.CryptoKey{Name: req.Name, Primary: v}, &fieldmaskpb.FieldMask{Paths: []string{"primary"}})
}

// ImportCryptoKeyVersion creates a version whose import_job and
// import_time, both OUTPUT_ONLY, the server sets.
func (k kmsWithPrimary) ImportCryptoKeyVersion(ctx context.Context, req *kmsv1.ImportCryptoKeyVersionRequest) (*kmsv1.CryptoKeyVersion, error) {
	return k.CryptoKeyVersionStore().CreateIn(ctx, req.Parent, "", &kmsv1.CryptoKeyVersion{
		Algorithm: req.Algorithm, State: kmsv1.CryptoKeyVersion_PENDING_IMPORT,
		ImportJob: req.ImportJob, ImportTime: timestamppb.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)),
		CreateTime: timestamppb.New(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)), Name: "not the runtime's",
	})
}

// TestPublicKMSCustomMethod: the stores a custom method is written with
// (AIP-136) write the OUTPUT_ONLY fields a client cannot (AIP-203), on
// Create and Update, at any depth; the fields the runtime keeps (times,
// etag, uid, the name) stay its own.
func TestPublicKMSCustomMethod(t *testing.T) {
	servePublic(t, "kms", func(gs *grpc.Server, db *gorm.DB) {
		kmsv1.RegisterKeyManagementServiceServer(gs, kmsWithPrimary{kmsv1.NewKeyManagementServiceCRUD(db)})
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		c := kmsv1.NewKeyManagementServiceClient(cc)
		ctx := context.Background()
		loc := "projects/c-" + tag + "/locations/global"
		_, err := c.CreateKeyRing(ctx, &kmsv1.CreateKeyRingRequest{Parent: loc, KeyRingId: "r", KeyRing: &kmsv1.KeyRing{}})
		require.NoError(t, err)
		ck, err := c.CreateCryptoKey(ctx, &kmsv1.CreateCryptoKeyRequest{Parent: loc + "/keyRings/r", CryptoKeyId: "k", CryptoKey: &kmsv1.CryptoKey{Purpose: kmsv1.CryptoKey_ENCRYPT_DECRYPT}})
		require.NoError(t, err)
		v, err := c.CreateCryptoKeyVersion(ctx, &kmsv1.CreateCryptoKeyVersionRequest{Parent: ck.Name, CryptoKeyVersion: &kmsv1.CryptoKeyVersion{State: kmsv1.CryptoKeyVersion_ENABLED}})
		require.NoError(t, err)
		id := v.Name[len(ck.Name+"/cryptoKeyVersions/"):]
		got, err := c.UpdateCryptoKeyPrimaryVersion(ctx, &kmsv1.UpdateCryptoKeyPrimaryVersionRequest{Name: ck.Name, CryptoKeyVersionId: id})
		require.NoError(t, err)
		require.NotNil(t, got.Primary, "the store wrote the output-only primary")
		assert.Equal(t, v.Name, got.Primary.Name)
		assert.True(t, proto.Equal(ck.CreateTime, got.CreateTime), "create_time is the runtime's")
		read, err := c.GetCryptoKey(ctx, &kmsv1.GetCryptoKeyRequest{Name: ck.Name})
		require.NoError(t, err)
		assert.True(t, proto.Equal(got, read), "Get: %v, updated: %v", read, got)
		imported, err := c.ImportCryptoKeyVersion(ctx, &kmsv1.ImportCryptoKeyVersionRequest{Parent: ck.Name, Algorithm: kmsv1.CryptoKeyVersion_GOOGLE_SYMMETRIC_ENCRYPTION, ImportJob: loc + "/keyRings/r/importJobs/j"})
		require.NoError(t, err)
		assert.Equal(t, loc+"/keyRings/r/importJobs/j", imported.ImportJob, "the store's Create wrote the output-only import_job")
		assert.Equal(t, 2030, imported.GetImportTime().AsTime().Year())
		assert.True(t, imported.GetCreateTime().AsTime().After(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), "create_time is the runtime's")
		assert.True(t, strings.HasPrefix(imported.Name, ck.Name+"/cryptoKeyVersions/"), "the name is the runtime's: %s", imported.Name)
		// A client still cannot write it.
		_, err = c.UpdateCryptoKey(ctx, &kmsv1.UpdateCryptoKeyRequest{CryptoKey: &kmsv1.CryptoKey{Name: ck.Name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"primary"}}})
		require.NoError(t, err)
		read, err = c.GetCryptoKey(ctx, &kmsv1.GetCryptoKeyRequest{Name: ck.Name})
		require.NoError(t, err)
		assert.Equal(t, v.Name, read.GetPrimary().GetName(), "output only for clients: the mask's primary is ignored (AIP-203)")
	})
}
