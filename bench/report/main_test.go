package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkGet/generated-2   	     500	    330000 ns/op	   12000 B/op	     229 allocs/op
BenchmarkGet/pgx-2         	     500	    280000 ns/op	    9000 B/op	     181 allocs/op
BenchmarkGet/generated-2   	     500	    310000 ns/op	   12000 B/op	     229 allocs/op
BenchmarkGet/pgx-2         	     500	    290000 ns/op	    9000 B/op	     181 allocs/op
BenchmarkGet/generated-2   	     500	    900000 ns/op	   12000 B/op	     229 allocs/op
BenchmarkGet/pgx-2         	     500	    270000 ns/op	    9000 B/op	     181 allocs/op
BenchmarkGet/side-by-side-2	     500	    600000 ns/op	     300.0 generated-µs/op	     285.0 pgx-µs/op	     0.9500 ratio
BenchmarkGet/side-by-side-2	     500	    600000 ns/op	     320.0 generated-µs/op	     290.0 pgx-µs/op	     0.9063 ratio
BenchmarkGet/side-by-side-2	     500	    600000 ns/op	     310.0 generated-µs/op	     300.0 pgx-µs/op	     0.9677 ratio
BenchmarkCreate/side-by-side-validating-2	     500	    600000 ns/op	     500.0 generated-µs/op	     485.0 pgx-µs/op	     0.9700 ratio
BenchmarkMillion/order=isbn/depth=0-2      	 10	 9210568 ns/op	 1.000 keyset-ms	 1.000 offset-ms
BenchmarkMillion/order=key/depth=0-2      	 10	 9210568 ns/op	 2.000 keyset-ms	 1.000 offset-ms
BenchmarkMillion/order=key/depth=990000-2 	 3	 9210568 ns/op	 2.500 keyset-ms	 300.0 offset-ms
BenchmarkMillion/export-2 	 1	 42000000000 ns/op	 48.00 server-idle-MiB	 61.00 server-peak-MiB	 1000000 rows
BenchmarkGenerate/models=100/input=peer-2 	 5	 1 ns/op	 500.0 go-ms	 60.00 go-MiB	 100.0 orm-ms	 40.00 orm-MiB	 700.0 gorm-ms	 80.00 gorm-MiB
PASS
ok  	x	1.0s
`

func TestReport(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "raw.txt")
	if err := os.WriteFile(in, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(&out, "", []string{in}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		// The side-by-side runs: medians of each metric, the ratio's
		// median and range; allocations from the runs of each alone.
		"| Get | 310 µs | 290 µs | 0.95 (0.91–0.97) | 229 / 181 |",
		// Against the peer that validates: no allocations of its own.
		"| Create, pgx validating | 500 µs | 485 µs | 0.97 (0.97–0.97) |  |",
		"| `isbn` | 0 | 1.00 ms | 1.00 | 1.00 ms | 1.00 |",
		"| (default: id) | 0 | 2.00 ms | 1.00 | 1.00 ms | 1.00 |",
		"| (default: id) | 990000 | 2.50 ms | 1.25 | 300 ms | 300.00 |",
		"| 1000000 | 42.0 s | 48 MiB | 61 MiB |",
		"| 100 | peer | protoc-gen-gorm v1.1.4 | 700 ms | 80 MiB | 1.40 |",
		"| 100 | peer | protoc-gen-orm | 100 ms | 40 MiB | 0.20 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	for _, absent := range []string{"## Conversions", "## Compile cost", "protoc-gen-crud"} {
		if strings.Contains(got, absent) {
			t.Errorf("report has %q, which was not measured:\n%s", absent, got)
		}
	}
}

func TestReportErrors(t *testing.T) {
	var out strings.Builder
	if err := run(&out, "", nil); err == nil {
		t.Error("no files: no error")
	}
	if err := run(&out, "", []string{filepath.Join(t.TempDir(), "missing.txt")}); err == nil {
		t.Error("missing file: no error")
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(bad, []byte("BenchmarkX-2 1 abc ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(&out, "", []string{bad}); err == nil || !strings.Contains(err.Error(), "abc") {
		t.Errorf("bad value: %v", err)
	}
}
