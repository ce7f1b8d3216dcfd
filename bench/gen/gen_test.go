// Package gen benchmarks the plugins on synthetic proto packages: the
// wall time and peak memory of protoc-gen-orm and protoc-gen-crud next to
// protoc-gen-go on the same request, each run as the binary protoc or buf
// would start. See bench/README.md.
package gen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/gentest"
)

// synthetic writes a package of n models of 12 fields of mixed kinds, with
// an index, a reference to the previous model and a CRUD service each.
func synthetic(n int) map[string]string {
	var b strings.Builder
	b.WriteString(`syntax = "proto3";
package synth.v1;
import "google/protobuf/field_mask.proto";
import "google/protobuf/timestamp.proto";
import "protoforge/v1/options.proto";
option go_package = "example.com/synth/v1;synthv1";
enum Level { LEVEL_UNSPECIFIED = 0; LEVEL_LOW = 1; LEVEL_HIGH = 2; }
`)
	for i := 0; i < n; i++ {
		ref := ""
		if i > 0 {
			ref = fmt.Sprintf(` [(protoforge.v1.field) = {references: "M%d"}]`, i-1)
		}
		fmt.Fprintf(&b, `
// Model %d.
message M%d {
  option (protoforge.v1.model) = {indexes: [{fields: ["name", "level"]}]};
  int64 id = 1;
  string name = 2 [(protoforge.v1.field) = {size: 100}];
  int64 parent_id = 3%s;
  uint64 counter = 4;
  double score = 5;
  bool active = 6;
  Level level = 7;
  bytes blob = 8;
  optional int32 maybe = 9;
  repeated string tags = 10;
  map<string, int64> counts = 11;
  google.protobuf.Timestamp create_time = 12;
}
service M%dService {
  rpc GetM%d(GetM%dRequest) returns (M%d);
  rpc ListM%ds(ListM%dsRequest) returns (ListM%dsResponse);
  rpc CreateM%d(CreateM%dRequest) returns (M%d);
  rpc UpdateM%d(UpdateM%dRequest) returns (M%d);
}
message GetM%dRequest { int64 id = 1; }
message ListM%dsRequest { int32 page_size = 1; string page_token = 2; string filter = 3; string order_by = 4; }
message ListM%dsResponse { repeated M%d m%ds = 1; string next_page_token = 2; }
message CreateM%dRequest { M%d m%d = 1; }
message UpdateM%dRequest { M%d m%d = 1; google.protobuf.FieldMask update_mask = 2; }
`, i, i, ref, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i)
	}
	return map[string]string{"synth/v1/synth.proto": b.String()}
}

// plugins are built once per run.
func plugins(b *testing.B) map[string]string {
	b.Helper()
	dir := b.TempDir()
	out := map[string]string{}
	for name, pkg := range map[string]string{
		"go":   "google.golang.org/protobuf/cmd/protoc-gen-go",
		"orm":  "./cmd/protoc-gen-orm",
		"crud": "./cmd/protoc-gen-crud",
	} {
		bin := filepath.Join(dir, "protoc-gen-"+name)
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir = gentest.RepoRoot()
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v\n%s", pkg, err, o)
		}
		out[name] = bin
	}
	return out
}

// run starts a plugin on a request and returns its wall time and peak
// resident memory.
func run(b *testing.B, bin string, req []byte) (time.Duration, int64) {
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(string(req))
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil {
		b.Fatalf("%s: %v", bin, err)
	}
	resp := &pluginpb.CodeGeneratorResponse{}
	if err := proto.Unmarshal(out, resp); err != nil || resp.Error != nil {
		b.Fatalf("%s: %v %s", bin, err, resp.GetError())
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	return elapsed, rss
}

// BenchmarkGenerate runs the three plugins interleaved on the same request
// and reports, per plugin, the median wall time and peak memory, and our
// plugins' ratio to protoc-gen-go (target ≤ 1.5×).
func BenchmarkGenerate(b *testing.B) {
	bins := plugins(b)
	for _, n := range []int{100, 1000} {
		req, err := gentest.RequestFromSources(synthetic(n), "")
		if err != nil {
			b.Fatal(err)
		}
		raw, err := proto.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			times := map[string][]time.Duration{}
			peak := map[string]int64{}
			for b.Loop() {
				for _, name := range []string{"go", "orm", "crud"} {
					d, rss := run(b, bins[name], raw)
					times[name] = append(times[name], d)
					peak[name] = max(peak[name], rss)
				}
			}
			med := map[string]time.Duration{}
			for name, ds := range times {
				sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
				med[name] = ds[len(ds)/2]
				b.ReportMetric(float64(med[name].Milliseconds()), name+"-ms")
				b.ReportMetric(float64(peak[name])/1024, name+"-MiB")
			}
			b.ReportMetric(float64(med["orm"])/float64(med["go"]), "orm/go")
			b.ReportMetric(float64(med["crud"])/float64(med["go"]), "crud/go")
		})
	}
}

// BenchmarkCompileCost measures what the emitted code costs `go build`:
// the synthetic package compiled with its .pb.go alone, and with the
// .orm.go and .crud.go next to it (target ≤ 2×). Dependencies are built
// once; each run changes a comment so that only the package recompiles.
func BenchmarkCompileCost(b *testing.B) {
	bins := plugins(b)
	root := gentest.RepoRoot()
	for _, n := range []int{100} {
		req, err := gentest.RequestFromSources(synthetic(n), "paths=source_relative")
		if err != nil {
			b.Fatal(err)
		}
		// crud without grpc-go's Unimplemented server, so that the package
		// needs no protoc-gen-go-grpc output.
		req.Parameter = proto.String("paths=source_relative")
		raw, err := proto.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		dirs := map[string][]string{"pb": {"go"}, "pb+orm": {"go", "orm"}, "pb+orm+crud": {"go", "orm", "crud"}}
		for _, name := range []string{"pb", "pb+orm", "pb+orm+crud"} {
			dir, err := os.MkdirTemp(root, ".bench-compile-")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = os.RemoveAll(dir) })
			for _, plugin := range dirs[name] {
				r := raw
				if plugin == "crud" {
					creq := proto.Clone(req).(*pluginpb.CodeGeneratorRequest)
					creq.Parameter = proto.String("paths=source_relative,grpc=false")
					if r, err = proto.Marshal(creq); err != nil {
						b.Fatal(err)
					}
				}
				resp, err := gentest.RunBinary(mustUnmarshal(b, r), root, bins[plugin])
				if err != nil {
					b.Fatal(err)
				}
				if err := gentest.Write(resp, dir); err != nil {
					b.Fatal(err)
				}
			}
			pkg := "./" + filepath.Base(dir) + "/synth/v1"
			build := func() time.Duration {
				cmd := exec.Command("go", "build", pkg)
				cmd.Dir = root
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("go build %s: %v\n%s", pkg, err, out)
				}
				return time.Since(start)
			}
			build() // dependencies
			b.Run(fmt.Sprintf("%s/models=%d", name, n), func(b *testing.B) {
				var ds []time.Duration
				i := 0
				for b.Loop() {
					i++
					f := filepath.Join(dir, "synth/v1/synth.pb.go")
					src, err := os.ReadFile(f)
					if err != nil {
						b.Fatal(err)
					}
					if err := os.WriteFile(f, append(src, []byte(fmt.Sprintf("\n// run %d %d\n", time.Now().UnixNano(), i))...), 0o644); err != nil {
						b.Fatal(err)
					}
					ds = append(ds, build())
				}
				sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
				b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "build-ms")
			})
		}
	}
}

func mustUnmarshal(b *testing.B, raw []byte) *pluginpb.CodeGeneratorRequest {
	req := &pluginpb.CodeGeneratorRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		b.Fatal(err)
	}
	return req
}
