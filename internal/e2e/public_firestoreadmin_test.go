package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/type/dayofweek"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	firestore "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/firestoreadmin"
)

// TestPublicFirestoreAdmin serves Firestore Admin v1
// (google/firestore/admin/v1, unchanged) on every database, over gRPC and
// over REST through its own google.api.http annotations: databases named
// under a project, soft deleted (AIP-164) with an etag and listed with
// show_deleted, in lists without pages (AIP-132 allows them); backup
// schedules and user credentials under a database, the schedules' ids
// chosen by the server (no backup_schedule_id); indexes and fields under
// a collection group, a resource no message stores, so kept under their
// database, which must exist and which they keep from Delete (AIP-135);
// backups and fields, which no method creates (Firestore makes them),
// read and listed once they exist, fields updated and backups deleted;
// the custom methods (ExportDocuments, RestoreDatabase, …) are the user's.
func TestPublicFirestoreAdmin(t *testing.T) {
	var db *gorm.DB
	servePublic(t, "firestoreadmin", func(gs *grpc.Server, d *gorm.DB) {
		db = d
		firestore.RegisterFirestoreAdminServer(gs, firestore.NewFirestoreAdminCRUD(d))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		firestoreAdminScenario(t, firestore.NewFirestoreAdminClient(cc), db, tag)
	})
}

func firestoreAdminScenario(t *testing.T, c firestore.FirestoreAdminClient, db *gorm.DB, tag string) {
	ctx := context.Background()
	project := "projects/p-" + tag
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
	// store writes what Firestore itself makes (backups, fields), as a
	// row of the table the server reads.
	store := func(row any, err error) {
		t.Helper()
		require.NoError(t, err)
		require.NoError(t, db.Create(row).Error)
	}

	// Databases: long-running writes; an unpaged List.
	database := func(id string, typ firestore.Database_DatabaseType) *firestore.Database {
		t.Helper()
		op, err := c.CreateDatabase(ctx, &firestore.CreateDatabaseRequest{Parent: project, DatabaseId: id, Database: &firestore.Database{
			LocationId: "nam5", Type: typ, ConcurrencyMode: firestore.Database_OPTIMISTIC}})
		require.NoError(t, err)
		out := &firestore.Database{}
		operationDone(t, op, out, &firestore.CreateDatabaseMetadata{})
		return out
	}
	main, legacy := database("main", firestore.Database_FIRESTORE_NATIVE), database("legacy", firestore.Database_DATASTORE_MODE)
	assert.Equal(t, project+"/databases/main", main.Name)
	assert.NotNil(t, main.CreateTime)
	assert.NotEmpty(t, main.Etag)
	got, err := c.GetDatabase(ctx, &firestore.GetDatabaseRequest{Name: legacy.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(legacy, got), "Get: %v, created: %v", got, legacy)
	_, err = c.CreateDatabase(ctx, &firestore.CreateDatabaseRequest{Parent: project, DatabaseId: "main", Database: &firestore.Database{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateDatabase(ctx, &firestore.CreateDatabaseRequest{Parent: project, Database: &firestore.Database{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "database_id is REQUIRED: %v", err)
	listDatabases := func(showDeleted bool) []string {
		t.Helper()
		r, err := c.ListDatabases(ctx, &firestore.ListDatabasesRequest{Parent: project, ShowDeleted: showDeleted})
		require.NoError(t, err)
		return namesOf(r.Databases)
	}
	assert.ElementsMatch(t, []string{main.Name, legacy.Name}, listDatabases(false))
	op, err := c.UpdateDatabase(ctx, &firestore.UpdateDatabaseRequest{Database: &firestore.Database{Name: legacy.Name,
		DeleteProtectionState: firestore.Database_DELETE_PROTECTION_ENABLED, LocationId: "eur3"}, UpdateMask: mask("delete_protection_state")})
	require.NoError(t, err)
	upLegacy := &firestore.Database{}
	operationDone(t, op, upLegacy, &firestore.UpdateDatabaseMetadata{})
	assert.Equal(t, firestore.Database_DELETE_PROTECTION_ENABLED, upLegacy.DeleteProtectionState)
	assert.Equal(t, "nam5", upLegacy.LocationId, "not in the mask")
	assert.NotEqual(t, legacy.Etag, upLegacy.Etag)

	// Backup schedules: ids the server chooses; an unpaged List.
	schedule := func(s *firestore.BackupSchedule) *firestore.BackupSchedule {
		t.Helper()
		out, err := c.CreateBackupSchedule(ctx, &firestore.CreateBackupScheduleRequest{Parent: main.Name, BackupSchedule: s})
		require.NoError(t, err)
		return out
	}
	daily := schedule(&firestore.BackupSchedule{Retention: durationpb.New(7 * 24 * time.Hour),
		Recurrence: &firestore.BackupSchedule_DailyRecurrence{DailyRecurrence: &firestore.DailyRecurrence{}}})
	weekly := schedule(&firestore.BackupSchedule{Retention: durationpb.New(14 * 7 * 24 * time.Hour),
		Recurrence: &firestore.BackupSchedule_WeeklyRecurrence{WeeklyRecurrence: &firestore.WeeklyRecurrence{Day: dayofweek.DayOfWeek_SUNDAY}}})
	assert.Regexp(t, "^"+main.Name+"/backupSchedules/[^/]+$", daily.Name)
	assert.NotEqual(t, daily.Name, weekly.Name)
	assert.NotNil(t, daily.CreateTime)
	gotSchedule, err := c.GetBackupSchedule(ctx, &firestore.GetBackupScheduleRequest{Name: weekly.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(weekly, gotSchedule), "Get: %v, created: %v", gotSchedule, weekly)
	schedules, err := c.ListBackupSchedules(ctx, &firestore.ListBackupSchedulesRequest{Parent: main.Name})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{daily.Name, weekly.Name}, namesOf(schedules.BackupSchedules))
	schedules, err = c.ListBackupSchedules(ctx, &firestore.ListBackupSchedulesRequest{Parent: legacy.Name})
	require.NoError(t, err)
	assert.Empty(t, schedules.BackupSchedules)
	upDaily, err := c.UpdateBackupSchedule(ctx, &firestore.UpdateBackupScheduleRequest{BackupSchedule: &firestore.BackupSchedule{Name: daily.Name,
		Retention: durationpb.New(3 * 24 * time.Hour)}, UpdateMask: mask("retention")})
	require.NoError(t, err)
	assert.Equal(t, 3*24*time.Hour, upDaily.Retention.AsDuration())
	assert.NotNil(t, upDaily.GetDailyRecurrence(), "not in the mask")
	_, err = c.CreateBackupSchedule(ctx, &firestore.CreateBackupScheduleRequest{Parent: project + "/databases/nothing", BackupSchedule: &firestore.BackupSchedule{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "a schedule of a missing database: %v", err)

	// User credentials: created with their id, listed without pages.
	creds, err := c.CreateUserCreds(ctx, &firestore.CreateUserCredsRequest{Parent: main.Name, UserCredsId: "alice", UserCreds: &firestore.UserCreds{}})
	require.NoError(t, err)
	assert.Equal(t, main.Name+"/userCreds/alice", creds.Name)
	gotCreds, err := c.GetUserCreds(ctx, &firestore.GetUserCredsRequest{Name: creds.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(creds, gotCreds), "Get: %v, created: %v", gotCreds, creds)
	credsList, err := c.ListUserCreds(ctx, &firestore.ListUserCredsRequest{Parent: main.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{creds.Name}, namesOf(credsList.UserCreds))
	_, err = c.DeleteUserCreds(ctx, &firestore.DeleteUserCredsRequest{Name: creds.Name})
	require.NoError(t, err)
	_, err = c.GetUserCreds(ctx, &firestore.GetUserCredsRequest{Name: creds.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Indexes under a collection group: ids the server chooses, by pages,
	// filtered.
	group := main.Name + "/collectionGroups/books"
	index := func(scope firestore.Index_QueryScope, fields ...string) *firestore.Index {
		t.Helper()
		ix := &firestore.Index{QueryScope: scope}
		for _, f := range fields {
			ix.Fields = append(ix.Fields, &firestore.Index_IndexField{FieldPath: f,
				ValueMode: &firestore.Index_IndexField_Order_{Order: firestore.Index_IndexField_ASCENDING}})
		}
		op, err := c.CreateIndex(ctx, &firestore.CreateIndexRequest{Parent: group, Index: ix})
		require.NoError(t, err)
		out, meta := &firestore.Index{}, &firestore.IndexOperationMetadata{}
		operationDone(t, op, out, meta)
		// Its metadata's times are start_time and end_time, its target
		// the index.
		assert.Equal(t, out.Name, meta.Index)
		assert.NotNil(t, meta.StartTime)
		assert.NotNil(t, meta.EndTime)
		return out
	}
	byAuthor := index(firestore.Index_COLLECTION, "author", "title")
	byYear := index(firestore.Index_COLLECTION_GROUP, "year", "title")
	assert.Regexp(t, "^"+group+"/indexes/[^/]+$", byAuthor.Name)
	assert.Equal(t, "title", byAuthor.Fields[1].FieldPath)
	gotIndex, err := c.GetIndex(ctx, &firestore.GetIndexRequest{Name: byYear.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(byYear, gotIndex), "Get: %v, created: %v", gotIndex, byYear)
	indexes := func(filter string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*firestore.Index, string, error) {
			r, err := c.ListIndexes(ctx, &firestore.ListIndexesRequest{Parent: group, PageSize: 1, PageToken: token, Filter: filter})
			return r.GetIndexes(), r.GetNextPageToken(), err
		})
	}
	assert.ElementsMatch(t, []string{byAuthor.Name, byYear.Name}, indexes(""))
	assert.Equal(t, []string{byYear.Name}, indexes(`query_scope = COLLECTION_GROUP`))
	r, err := c.ListIndexes(ctx, &firestore.ListIndexesRequest{Parent: main.Name + "/collectionGroups/other"})
	require.NoError(t, err)
	assert.Empty(t, r.Indexes, "another collection group's")
	// No message stores collection groups: the database above them must
	// exist, and the indexes under it keep it from being deleted.
	_, err = c.CreateIndex(ctx, &firestore.CreateIndexRequest{Parent: project + "/databases/nothing/collectionGroups/books", Index: &firestore.Index{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "an index of a missing database: %v", err)
	assert.Contains(t, status.Convert(err).Message(), project+"/databases/nothing")
	_, err = c.ListIndexes(ctx, &firestore.ListIndexesRequest{Parent: project + "/databases/nothing/collectionGroups/-"})
	assert.Equal(t, codes.NotFound, status.Code(err), "indexes of a missing database: %v", err)
	_, err = c.DeleteDatabase(ctx, &firestore.DeleteDatabaseRequest{Name: main.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "main has indexes (AIP-135): %v", err)
	_, err = c.DeleteIndex(ctx, &firestore.DeleteIndexRequest{Name: byAuthor.Name})
	require.NoError(t, err)
	_, err = c.GetIndex(ctx, &firestore.GetIndexRequest{Name: byAuthor.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Fields: Firestore makes them; read, listed and updated.
	for _, f := range []*firestore.Field{{Name: group + "/fields/title"}, {Name: group + "/fields/expires",
		TtlConfig: &firestore.Field_TtlConfig{}}} {
		store(f.ToModel())
	}
	title, err := c.GetField(ctx, &firestore.GetFieldRequest{Name: group + "/fields/title"})
	require.NoError(t, err)
	assert.Nil(t, title.TtlConfig)
	fields := pageNames(t, func(token string) ([]*firestore.Field, string, error) {
		r, err := c.ListFields(ctx, &firestore.ListFieldsRequest{Parent: group, PageSize: 1, PageToken: token})
		return r.GetFields(), r.GetNextPageToken(), err
	})
	assert.ElementsMatch(t, []string{group + "/fields/title", group + "/fields/expires"}, fields)
	op, err = c.UpdateField(ctx, &firestore.UpdateFieldRequest{Field: &firestore.Field{Name: title.Name,
		IndexConfig: &firestore.Field_IndexConfig{Indexes: []*firestore.Index{{QueryScope: firestore.Index_COLLECTION}}}}, UpdateMask: mask("index_config")})
	require.NoError(t, err)
	upTitle, fieldMeta := &firestore.Field{}, &firestore.FieldOperationMetadata{}
	operationDone(t, op, upTitle, fieldMeta)
	assert.Equal(t, title.Name, fieldMeta.Field)
	assert.NotNil(t, fieldMeta.StartTime)
	assert.Len(t, upTitle.GetIndexConfig().GetIndexes(), 1)
	_, err = c.UpdateField(ctx, &firestore.UpdateFieldRequest{Field: &firestore.Field{Name: group + "/fields/nothing",
		TtlConfig: &firestore.Field_TtlConfig{}}, UpdateMask: mask("ttl_config")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Backups: Firestore makes them under a location; read, listed with
	// a filter and without pages, deleted.
	loc := project + "/locations/nam5"
	for _, b := range []*firestore.Backup{{Name: loc + "/backups/b1", Database: main.Name, State: firestore.Backup_READY},
		{Name: loc + "/backups/b2", Database: legacy.Name, State: firestore.Backup_CREATING}} {
		store(b.ToModel())
	}
	b1, err := c.GetBackup(ctx, &firestore.GetBackupRequest{Name: loc + "/backups/b1"})
	require.NoError(t, err)
	assert.Equal(t, main.Name, b1.Database)
	backups, err := c.ListBackups(ctx, &firestore.ListBackupsRequest{Parent: loc})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{loc + "/backups/b1", loc + "/backups/b2"}, namesOf(backups.Backups))
	backups, err = c.ListBackups(ctx, &firestore.ListBackupsRequest{Parent: loc, Filter: `state = READY`})
	require.NoError(t, err)
	assert.Equal(t, []string{b1.Name}, namesOf(backups.Backups))
	for _, name := range []string{loc + "/backups/b1", loc + "/backups/b2"} {
		_, err = c.DeleteBackup(ctx, &firestore.DeleteBackupRequest{Name: name})
		require.NoError(t, err)
	}
	_, err = c.DeleteBackup(ctx, &firestore.DeleteBackupRequest{Name: loc + "/backups/b1"})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)

	// Delete a database: with its etag, a soft delete; show_deleted
	// lists it.
	_, err = c.DeleteDatabase(ctx, &firestore.DeleteDatabaseRequest{Name: legacy.Name, Etag: legacy.Etag})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	op, err = c.DeleteDatabase(ctx, &firestore.DeleteDatabaseRequest{Name: legacy.Name, Etag: upLegacy.Etag})
	require.NoError(t, err)
	deleted := &firestore.Database{}
	operationDone(t, op, deleted, &firestore.DeleteDatabaseMetadata{})
	assert.NotNil(t, deleted.DeleteTime)
	assert.Equal(t, []string{main.Name}, listDatabases(false))
	assert.ElementsMatch(t, []string{main.Name, legacy.Name}, listDatabases(true))
	_, err = c.DeleteDatabase(ctx, &firestore.DeleteDatabaseRequest{Name: legacy.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	_, err = c.CreateBackupSchedule(ctx, &firestore.CreateBackupScheduleRequest{Parent: legacy.Name, BackupSchedule: &firestore.BackupSchedule{}})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a schedule of a deleted database: %v", err)
	_, err = c.CreateIndex(ctx, &firestore.CreateIndexRequest{Parent: legacy.Name + "/collectionGroups/books", Index: &firestore.Index{}})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "an index of a deleted database: %v", err)
	for _, s := range []*firestore.BackupSchedule{daily, weekly} {
		_, err = c.DeleteBackupSchedule(ctx, &firestore.DeleteBackupScheduleRequest{Name: s.Name})
		require.NoError(t, err)
	}
}
