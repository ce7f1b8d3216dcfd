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
func synthetic(n int) map[string]string { return syntheticInput(n, false) }

// syntheticInput writes the synthetic package; for the peer, every model is
// also marked ormable for protoc-gen-gorm and keeps only the field kinds it
// maps (the map field goes).
func syntheticInput(n int, peer bool) map[string]string {
	var b strings.Builder
	b.WriteString(`syntax = "proto3";
package synth.v1;
import "google/protobuf/field_mask.proto";
import "google/protobuf/timestamp.proto";
import "protoforge/v1/options.proto";
`)
	ormable, counts := "", "\n  map<string, int64> counts = 11;"
	if peer {
		b.WriteString(`import "options/gorm.proto";` + "\n")
		ormable, counts = "\n  option (gorm.opts) = {ormable: true};", ""
	}
	b.WriteString(`option go_package = "example.com/synth/v1;synthv1";
enum Level { LEVEL_UNSPECIFIED = 0; LEVEL_LOW = 1; LEVEL_HIGH = 2; }
`)
	for i := 0; i < n; i++ {
		ref := ""
		if i > 0 {
			ref = fmt.Sprintf(` [(protoforge.v1.field) = {references: "M%d"}]`, i-1)
		}
		fmt.Fprintf(&b, `
// Model %d.
message M%d {%s
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
  repeated string tags = 10;%s
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
`, i, i, ormable, ref, counts, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i, i)
	}
	return map[string]string{"synth/v1/synth.proto": b.String()}
}

// plugins are built once per run.
func plugins(b testing.TB) map[string]string {
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

// BenchmarkGenerate runs the plugins interleaved on the same request and
// reports, per plugin, the median wall time and peak memory, and each
// plugin's ratio to protoc-gen-go on that request (target ≤ 1.5× for
// ours). input=full is the synthetic package; input=peer is its variant
// for protoc-gen-gorm, which runs there next to the three others.
func BenchmarkGenerate(b *testing.B) {
	bins := plugins(b)
	peer, peerProtos := gormPeer(b)
	for _, n := range []int{100, 1000} {
		inputs := []struct {
			name    string
			plugins []string
			srcs    map[string]string
		}{{"full", []string{"go", "orm", "crud"}, syntheticInput(n, false)}}
		if peer != "" {
			inputs = append(inputs, struct {
				name    string
				plugins []string
				srcs    map[string]string
			}{"peer", []string{"go", "orm", "crud", "gorm"}, syntheticInput(n, true)})
		}
		for _, in := range inputs {
			bin := func(name string) string {
				if name == "gorm" {
					return peer
				}
				return bins[name]
			}
			b.Run(fmt.Sprintf("models=%d/input=%s", n, in.name), func(b *testing.B) {
				req, err := compile(b, in.srcs, peerProtos, "")
				if err != nil {
					b.Fatal(err)
				}
				reqs := map[string][]byte{}
				for _, name := range in.plugins {
					r := req
					if name == "gorm" {
						r = proto.Clone(req).(*pluginpb.CodeGeneratorRequest)
						r.Parameter = proto.String("engine=postgres")
					}
					if reqs[name], err = proto.Marshal(r); err != nil {
						b.Fatal(err)
					}
				}
				times := map[string][]time.Duration{}
				peak := map[string]int64{}
				for b.Loop() {
					for _, name := range in.plugins {
						d, rss := run(b, bin(name), reqs[name])
						times[name] = append(times[name], d)
						peak[name] = max(peak[name], rss)
					}
				}
				med := map[string]time.Duration{}
				for _, name := range in.plugins {
					ds := times[name]
					sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
					med[name] = ds[len(ds)/2]
					b.ReportMetric(float64(med[name].Microseconds())/1000, name+"-ms")
					b.ReportMetric(float64(peak[name])/1024, name+"-MiB")
				}
				for _, name := range in.plugins[1:] {
					b.ReportMetric(float64(med[name])/float64(med["go"]), name+"/go")
				}
			})
		}
	}
}

// compile builds the request protoc would send for srcs. With peerProtos
// (protoc-gen-gorm's proto folder in the module cache) the sources are
// written to a temporary folder that links its options/ folder, so that
// `import "options/gorm.proto"` resolves as protoc-gen-gorm documents it.
func compile(b *testing.B, srcs map[string]string, peerProtos, parameter string) (*pluginpb.CodeGeneratorRequest, error) {
	if peerProtos == "" {
		return gentest.RequestFromSources(srcs, parameter)
	}
	dir := b.TempDir()
	if err := os.Symlink(filepath.Join(peerProtos, "options"), filepath.Join(dir, "options")); err != nil {
		return nil, err
	}
	var files []string
	for name, src := range srcs {
		files = append(files, name)
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	return gentest.Request(dir, files, parameter)
}

// gormPeerVersion is the protoc-gen-gorm measured as a peer. Its version
// list is refused by the module proxy, so it is built from a throwaway
// module that requires this exact version.
const gormPeerVersion = "v1.1.4"

// gormPeer builds github.com/infobloxopen/protoc-gen-gorm from the module
// proxy into a temporary directory and returns the binary and the folder
// of its options protos (in the module cache). When it cannot be built the
// benchmark goes on without it and says so.
func gormPeer(b *testing.B) (bin, protos string) {
	b.Helper()
	const mod = "github.com/infobloxopen/protoc-gen-gorm"
	dir := b.TempDir()
	gomod := "module protoforge.bench/gormpeer\n\ngo 1.21\n\nrequire " + mod + " " + gormPeerVersion + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		b.Fatal(err)
	}
	bin = filepath.Join(dir, "protoc-gen-gorm")
	var modDir strings.Builder
	for _, args := range [][]string{
		{"get", mod + "@" + gormPeerVersion},
		{"build", "-o", bin, mod},
		{"list", "-m", "-f", "{{.Dir}}", mod},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &modDir, &stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "\n*** protoc-gen-gorm %s cannot be built (go %s: %v); measuring without it ***\n%s\n",
				gormPeerVersion, strings.Join(args, " "), err, stderr.String())
			return "", ""
		}
	}
	protos = filepath.Join(strings.TrimSpace(modDir.String()), "proto")
	if _, err := os.Stat(filepath.Join(protos, "options", "gorm.proto")); err != nil {
		fmt.Fprintf(os.Stderr, "\n*** protoc-gen-gorm %s: no options/gorm.proto (%v); measuring without it ***\n", gormPeerVersion, err)
		return "", ""
	}
	return bin, protos
}

// BenchmarkCompileCost measures what the emitted code costs `go build`:
// the synthetic package compiled with its .pb.go alone, and with the
// .orm.go and .crud.go next to it (target ≤ 1.5×). Dependencies are built
// once; each run changes a comment so that only the package recompiles.
// Each variant reports its median build time and what the compiler
// allocates; side-by-side builds the three in turns and reports the
// median of each round's ratios, which the machine's load moves least.
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
		plugins := map[string][]string{"pb": {"go"}, "pb+orm": {"go", "orm"}, "pb+orm+crud": {"go", "orm", "crud"}}
		dirs, pkgs := map[string]string{}, map[string]string{}
		for _, name := range []string{"pb", "pb+orm", "pb+orm+crud"} {
			dir, err := os.MkdirTemp(root, ".bench-compile-")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = os.RemoveAll(dir) })
			for _, plugin := range plugins[name] {
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
			pkgs[name] = pkg
			dirs[name] = dir
			goBuild(b, root, dir, pkg) // dependencies
			b.Run(fmt.Sprintf("%s/models=%d", name, n), func(b *testing.B) {
				var ds []time.Duration
				for b.Loop() {
					ds = append(ds, goBuild(b, root, dir, pkg))
				}
				b.ReportMetric(float64(median(ds).Milliseconds()), "build-ms")
				b.ReportMetric(float64(compilerAlloc(b, root, pkg, dir)), "compiler-MB")
			})
		}
		// The three in turns, the order rotated every round, so that each
		// round's ratios compare builds made under the same load of the
		// machine; reported as the median of the rounds' ratios.
		b.Run(fmt.Sprintf("side-by-side/models=%d", n), func(b *testing.B) {
			names := []string{"pb", "pb+orm", "pb+orm+crud"}
			times := map[string][]time.Duration{}
			var orm, crud []float64
			round := 0
			for b.Loop() {
				t := map[string]time.Duration{}
				for i := range names {
					name := names[(i+round)%len(names)]
					t[name] = goBuild(b, root, dirs[name], pkgs[name])
					times[name] = append(times[name], t[name])
				}
				orm = append(orm, float64(t["pb+orm"])/float64(t["pb"]))
				crud = append(crud, float64(t["pb+orm+crud"])/float64(t["pb"]))
				round++
			}
			b.ReportMetric(float64(median(times["pb"]).Milliseconds()), "pb-ms")
			b.ReportMetric(float64(median(times["pb+orm+crud"]).Milliseconds()), "all-ms")
			b.ReportMetric(medianOf(orm), "orm-ratio")
			b.ReportMetric(medianOf(crud), "all-ratio")
		})
	}
}

// goBuild builds pkg after changing a comment of its .pb.go, so that only
// the package recompiles, and returns the wall time of `go build`.
func goBuild(b *testing.B, root, dir, pkg string) time.Duration {
	f := filepath.Join(dir, "synth/v1/synth.pb.go")
	src, err := os.ReadFile(f)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(f, append(src, []byte(fmt.Sprintf("\n// run %d\n", time.Now().UnixNano()))...), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("go", "build", pkg)
	cmd.Dir = root
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return time.Since(start)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func medianOf(fs []float64) float64 {
	s := append([]float64(nil), fs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// compilerAlloc is what the compiler allocates to compile pkg, in MB: its
// peak memory when it compiles without collecting garbage (GOGC=off) on
// one backend goroutine (-c=1). Unlike wall time, it hardly moves with the
// machine's load, so it compares emitted code from run to run.
func compilerAlloc(b *testing.B, root, pkg, dir string) int64 {
	f := filepath.Join(dir, "synth/v1/synth.pb.go")
	src, err := os.ReadFile(f)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(f, append(src, []byte(fmt.Sprintf("\n// alloc %d\n", time.Now().UnixNano()))...), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-gcflags=-c=1", pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOGC=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	// The go command waits for the compiler, so its rusage holds the
	// compiler's peak (KiB on Linux); the go command's own is smaller.
	return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss / 1024
}

func mustUnmarshal(b *testing.B, raw []byte) *pluginpb.CodeGeneratorRequest {
	req := &pluginpb.CodeGeneratorRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		b.Fatal(err)
	}
	return req
}
