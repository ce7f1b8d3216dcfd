package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	formatsv1 "github.com/protoforge/protoforge/internal/e2e/gen/formats/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/formats/v1/formatsv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestFormatSpellings: values with an AIP-202 format are stored in their
// canonical form (a UUID in lowercase, an IPv4 address without leading
// zeros, an IPv6 address as RFC 5952 writes it), and compared in it: a
// UUID key in capitals names the same row for Get, Update and Delete and
// is taken by Create (and BatchGet finds it), a filter finds a value
// however it is spelled (inside a message stored as JSON too), and
// another spelling of an IMMUTABLE value is the value; on every database.
func TestFormatSpellings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/formats/v1/schema", db.Dialector.Name()+".sql"))
		mux := http.NewServeMux()
		mux.Handle(formatsv1connect.NewDeviceServiceHandler(formatsv1.NewDeviceServiceCRUD(db)))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		c := formatsv1connect.NewDeviceServiceClient(srv.Client(), srv.URL)
		ctx := context.Background()
		const (
			upper = "F47AC10B-58CC-4372-8567-0E02B2C3D479"
			lower = "f47ac10b-58cc-4372-8567-0e02b2c3d479"
			owner = "9B2E4E4A-1C1D-4F6A-9D7E-2A3B4C5D6E7F"
		)
		d, err := c.CreateDevice(ctx, &formatsv1.CreateDeviceRequest{Device: &formatsv1.Device{Id: upper, Ip: "010.001.002.003", Peers: []string{"2001:0DB8:0::0001"}, Owner: owner, Label: "a", Primary: &formatsv1.Endpoint{Ip: "192.168.000.001"}, Zones: map[string]string{"a": "010.000.000.001"}}})
		require.NoError(t, err)
		want := &formatsv1.Device{Id: lower, Ip: "10.1.2.3", Peers: []string{"2001:db8::1"}, Owner: "9b2e4e4a-1c1d-4f6a-9d7e-2a3b4c5d6e7f", Label: "a", Primary: &formatsv1.Endpoint{Ip: "192.168.0.1"}, Zones: map[string]string{"a": "10.0.0.1"}}
		assert.True(t, proto.Equal(want, d), "stored in canonical form: %v", d)

		for _, id := range []string{upper, lower} {
			got, err := c.GetDevice(ctx, &formatsv1.GetDeviceRequest{Id: id})
			require.NoError(t, err, id)
			assert.True(t, proto.Equal(want, got), "Get %s: %v", id, got)
		}
		batch, err := c.BatchGetDevices(ctx, &formatsv1.BatchGetDevicesRequest{Ids: []string{upper, lower}})
		require.NoError(t, err)
		require.Len(t, batch.Devices, 2)
		assert.True(t, proto.Equal(want, batch.Devices[0]) && proto.Equal(want, batch.Devices[1]), "BatchGet: %v", batch.Devices)
		_, err = c.CreateDevice(ctx, &formatsv1.CreateDeviceRequest{Device: &formatsv1.Device{Id: lower, Owner: owner}})
		assert.Equal(t, connect.CodeAlreadyExists, codeOf(err), "the same UUID in lowercase: %v", err)

		for _, filter := range []string{`id = "` + upper + `"`, `id = "` + lower + `"`, `ip = "10.1.2.3"`, `ip = "010.001.002.003"`, `owner = "` + owner + `"`, `primary.ip = "192.168.000.001"`, `primary.ip = "192.168.0.1"`, `peers:"2001:DB8::1"`, `peers:"2001:db8:0:0:0:0:0:1"`, `zones.a = "010.0.0.1"`, `zones.a:"10.000.0.1"`} {
			res, err := c.ListDevices(ctx, &formatsv1.ListDevicesRequest{Filter: filter})
			require.NoError(t, err, filter)
			assert.Len(t, res.Devices, 1, "filter %s", filter)
		}

		// Another spelling of the IMMUTABLE owner is the owner.
		up, err := c.UpdateDevice(ctx, &formatsv1.UpdateDeviceRequest{Device: &formatsv1.Device{Id: upper, Owner: owner, Label: "b"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"owner", "label"}}})
		require.NoError(t, err)
		assert.Equal(t, "b", up.Label)
		assert.Equal(t, want.Owner, up.Owner)
		_, err = c.UpdateDevice(ctx, &formatsv1.UpdateDeviceRequest{Device: &formatsv1.Device{Id: upper, Owner: "00000000-0000-4000-8000-000000000000"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"owner"}}})
		assert.Equal(t, connect.CodeInvalidArgument, codeOf(err), "another owner: %v", err)

		// A request repeated with its request_id (AIP-155) is the same
		// request whatever the spelling of its values.
		rid := "6F1C2B3A-4D5E-4F60-8A7B-9C8D7E6F5A4B"
		first, err := c.CreateDevice(ctx, &formatsv1.CreateDeviceRequest{RequestId: rid, Device: &formatsv1.Device{Id: "0A1B2C3D-4E5F-4A6B-8C7D-8E9F0A1B2C3D", Ip: "010.0.0.1", Owner: owner}})
		require.NoError(t, err)
		again, err := c.CreateDevice(ctx, &formatsv1.CreateDeviceRequest{RequestId: strings.ToLower(rid), Device: &formatsv1.Device{Id: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d", Ip: "10.0.0.1", Owner: strings.ToLower(owner)}})
		require.NoError(t, err, "the same request, spelled otherwise")
		assert.True(t, proto.Equal(first, again), "replayed: %v, first %v", again, first)

		// What is checked against a column's size is what is stored.
		_, err = c.CreateDevice(ctx, &formatsv1.CreateDeviceRequest{Device: &formatsv1.Device{Id: "1A1B2C3D-4E5F-4A6B-8C7D-8E9F0A1B2C3D", Owner: owner, ShortV6: "::ffff:0:1"}})
		assert.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
		assert.Contains(t, badRequestFields(t, err), "device.short_v6", "%v", err)
		sv, err := c.CreateDevice(ctx, &formatsv1.CreateDeviceRequest{Device: &formatsv1.Device{Id: "1A1B2C3D-4E5F-4A6B-8C7D-8E9F0A1B2C3D", Owner: owner, ShortV4: "010.001.002.003"}})
		require.NoError(t, err, "15 characters sent, 8 stored")
		assert.Equal(t, "10.1.2.3", sv.ShortV4)

		// A key of a device held by a lease (references:, no format of
		// its own) is stored and compared as the device's key is.
		lease, err := c.CreateLease(ctx, &formatsv1.CreateLeaseRequest{Lease: &formatsv1.Lease{DeviceId: upper}})
		require.NoError(t, err, "the device exists, whatever the spelling")
		assert.Equal(t, lower, lease.DeviceId)
		for _, filter := range []string{`device_id = "` + upper + `"`, `device_id = "` + lower + `"`} {
			res, err := c.ListLeases(ctx, &formatsv1.ListLeasesRequest{Filter: filter})
			require.NoError(t, err, filter)
			assert.Len(t, res.Leases, 1, "filter %s", filter)
		}

		// A row stored before values were canonical: an Update that does
		// not name its IMMUTABLE owner keeps it, and writes it canonical.
		legacy := "2a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
		require.NoError(t, db.Exec("INSERT INTO devices (id, ip, peers, owner, label, short_v6, short_v4) VALUES (?, '010.000.000.009', '[]', ?, 'old', '', '')", legacy, owner).Error)
		healed, err := c.UpdateDevice(ctx, &formatsv1.UpdateDeviceRequest{Device: &formatsv1.Device{Id: legacy, Label: "new"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"label"}}})
		require.NoError(t, err)
		assert.Equal(t, want.Owner, healed.Owner)
		assert.Equal(t, "10.0.0.9", healed.Ip)

		// A Delete repeated with its request_id and the key in another
		// spelling is the same request.
		require.NoError(t, db.Exec("DELETE FROM leases").Error)
		_, err = c.DeleteDevice(ctx, &formatsv1.DeleteDeviceRequest{Id: upper, RequestId: "7F1C2B3A-4D5E-4F60-8A7B-9C8D7E6F5A4B"})
		require.NoError(t, err)
		_, err = c.DeleteDevice(ctx, &formatsv1.DeleteDeviceRequest{Id: lower, RequestId: "7F1C2B3A-4D5E-4F60-8A7B-9C8D7E6F5A4B"})
		require.NoError(t, err, "replayed")
		_, err = c.GetDevice(ctx, &formatsv1.GetDeviceRequest{Id: lower})
		assert.Equal(t, connect.CodeNotFound, codeOf(err), "deleted by its id in capitals: %v", err)
		// So is a BatchDelete whose requests (AIP-235) spell the key
		// another way.
		_, err = c.BatchDeleteDevices(ctx, &formatsv1.BatchDeleteDevicesRequest{Requests: []*formatsv1.DeleteDeviceRequest{{Id: strings.ToUpper(legacy)}}, RequestId: "8F1C2B3A-4D5E-4F60-8A7B-9C8D7E6F5A4B"})
		require.NoError(t, err)
		_, err = c.BatchDeleteDevices(ctx, &formatsv1.BatchDeleteDevicesRequest{Requests: []*formatsv1.DeleteDeviceRequest{{Id: legacy}}, RequestId: "8F1C2B3A-4D5E-4F60-8A7B-9C8D7E6F5A4B"})
		require.NoError(t, err, "replayed")
		_, err = c.GetDevice(ctx, &formatsv1.GetDeviceRequest{Id: legacy})
		assert.Equal(t, connect.CodeNotFound, codeOf(err), "deleted by its id in capitals: %v", err)
	})
}
