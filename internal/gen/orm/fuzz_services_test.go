package orm_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/scaffold"
)

// addServices adds services for protoc-gen-crud to a fuzzed schema: the
// scaffolded AIP service of up to two models of the first file, each
// changed by a few mutations the rest of the input picks (0 picks none, so
// short inputs keep services out, or well-formed). It returns the sources
// with the services, or nil when the input asks for none or no model has
// one.
func addServices(t *testing.T, g *protoGen, srcs map[string]string) map[string]string {
	n := g.r.intn(3)
	if n == 0 {
		return nil
	}
	dir := t.TempDir()
	for name, src := range srcs {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	includes := append([]string{dir}, gentest.ImportPaths()...)
	out := map[string]string{}
	for name, src := range srcs {
		out[name] = src
	}
	added := 0
	for _, m := range g.files[0].msgs {
		if added == n || !m.model {
			continue
		}
		text, err := scaffold.Scaffold(includes, g.files[0].path, m.name)
		if err != nil {
			// A model the scaffold cannot serve (no single key, say) is
			// refused with a reason, never with a crash.
			if strings.Contains(err.Error(), "panic") || strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("scaffold %s: %v\n%s", m.name, err, dumpSources(srcs))
			}
			continue
		}
		for i, k := 0, g.r.intn(4); i < k; i++ {
			text = pick(g.r, serviceMutations)(text, m.name)
		}
		if strings.Contains(text, "(protoforge.v1.") {
			text = strings.Replace(text, "\nimport ", "\nimport \"protoforge/v1/options.proto\";\nimport ", 1)
		}
		out[fmt.Sprintf("fuzz/v1/%s_service.proto", m.snake())] = text
		added++
	}
	if added == 0 {
		return nil
	}
	return out
}

// serviceMutations change a scaffolded service the ways users get one
// wrong, or right in another way: each keeps the file compilable, or
// makes protocompile refuse it (then the input is skipped).
var serviceMutations = []func(text, model string) string{
	// The key of Get has the wrong type.
	func(text, model string) string {
		return regexp.MustCompile(`(message Get`+model+`Request \{\n(?:  //.*\n)*  )\w+ `).ReplaceAllString(text, "${1}bytes ")
	},
	// The key of Delete is repeated.
	func(text, model string) string {
		return regexp.MustCompile(`(message Delete`+model+`Request \{\n(?:  //.*\n)*  )(\w+) `).ReplaceAllString(text, "${1}repeated ${2} ")
	},
	// Update without its mask.
	func(text, model string) string {
		return regexp.MustCompile(`(?m)^.*update_mask = 2.*\n`).ReplaceAllString(text, "")
	},
	// List's page token renamed.
	func(text, _ string) string { return strings.ReplaceAll(text, "page_token", "cursor") },
	// List's response has no page token.
	func(text, _ string) string {
		return regexp.MustCompile(`(?m)^  string next_page_token = 2;\n`).ReplaceAllString(text, "")
	},
	// Get answers with the list response.
	func(text, model string) string {
		return regexp.MustCompile(`(rpc Get`+model+`\(Get`+model+`Request\) returns \()\w+\)`).ReplaceAllString(text, "${1}List"+pluralOf(text, model)+"Response)")
	},
	// The service names its model, or a message that is none.
	func(text, model string) string { return withServiceOption(text, `{model: "`+model+`"}`) },
	func(text, _ string) string { return withServiceOption(text, `{model: "Nope"}`) },
	func(text, _ string) string { return withServiceOption(text, `{model: "fuzz.v1.Status"}`) },
	// A method under a name the plugin does not know, with and without
	// the operation that maps it.
	func(text, model string) string {
		return strings.Replace(text, "rpc Get"+model+"(", "rpc Fetch"+model+"(", 1)
	},
	func(text, model string) string {
		return regexp.MustCompile(`rpc Get`+model+`\((\w+)\) returns \((\w+)\);`).ReplaceAllString(text,
			"rpc Fetch"+model+"(${1}) returns (${2}) {\n    option (protoforge.v1.method) = {operation: OPERATION_GET};\n  }")
	},
	// An operation that does not fit the method's shape, or none at all.
	func(text, model string) string {
		return regexp.MustCompile(`rpc (List\w+)\((\w+)\) returns \((\w+)\);`).ReplaceAllString(text,
			"rpc ${1}(${2}) returns (${3}) {\n    option (protoforge.v1.method) = {operation: OPERATION_DELETE};\n  }")
	},
	func(text, model string) string {
		return regexp.MustCompile(`rpc (Create\w+)\((\w+)\) returns \((\w+)\);`).ReplaceAllString(text,
			"rpc ${1}(${2}) returns (${3}) {\n    option (protoforge.v1.method) = {operation: OPERATION_NONE};\n  }")
	},
	// A method left out; an extra method of the user's own.
	func(text, model string) string {
		return regexp.MustCompile(`(?m)^  rpc Create`+model+`\([^;{]*(?:;|\{[^}]*\})\n`).ReplaceAllString(text, "")
	},
	func(text, model string) string {
		return strings.Replace(text, "\n}\n", "\n  rpc Archive"+model+"(Get"+model+"Request) returns (Get"+model+"Request);\n}\n", 1)
	},
	// Undelete on a model without soft delete, by operation.
	func(text, model string) string {
		return regexp.MustCompile(`rpc Get`+model+`\((\w+)\) returns \((\w+)\);`).ReplaceAllString(text,
			"rpc Get"+model+"(${1}) returns (${2});\n  rpc Restore"+model+"(${1}) returns (${2}) {\n    option (protoforge.v1.method) = {operation: OPERATION_UNDELETE};\n  }")
	},
}

// withServiceOption adds (protoforge.v1.service) to the first service.
func withServiceOption(text, value string) string {
	return regexp.MustCompile(`(?m)^(service \w+ \{\n)`).ReplaceAllString(text, "${1}  option (protoforge.v1.service) = "+value+";\n")
}

// pluralOf finds the collection name the scaffold used in List<Plural>.
func pluralOf(text, model string) string {
	if m := regexp.MustCompile(`rpc List(\w+)\(`).FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return model + "s"
}
