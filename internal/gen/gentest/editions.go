package gentest

import (
	"bytes"
	"io"
	"regexp"
	"sync"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/types/descriptorpb"
)

// edition2024 matches the edition declaration of an `edition = "2024";`
// file; the 14 bytes of its value sit at submatch 1.
var edition2024 = regexp.MustCompile(`(?m)^\s*edition\s*=\s*("2024"|'2024')\s*;`)

// editions2024 lets protocompile v0.14.1, whose newest edition is 2023
// (as in every release up to now), compile files of edition 2024, which
// protoc-gen-go and protogen support: it hands such a file to the compiler
// declared as 2023 (the same length, so source positions hold) and records
// it, and the request then says 2024 again, so that plugins resolve the
// features of edition 2024 (for Go, the Opaque API by default).
//
// What it cannot give: the syntax new in 2024 (`export`, `local`,
// `import option`) does not parse, and 2024's own rules (naming style,
// options it removed) are not checked. Test files of edition 2024 keep to
// what both editions accept; buf checks the example and the end-to-end
// protos with the real rules.
type editions2024 struct {
	protocompile.Resolver
	mu    sync.Mutex
	paths map[string]bool
}

func newEditions2024(r protocompile.Resolver) *editions2024 {
	return &editions2024{Resolver: r, paths: map[string]bool{}}
}

// FindFileByPath is the inner resolver's, with edition 2024 declared 2023.
func (r *editions2024) FindFileByPath(path string) (protocompile.SearchResult, error) {
	res, err := r.Resolver.FindFileByPath(path)
	if err != nil || res.Source == nil {
		return res, err
	}
	b, err := io.ReadAll(res.Source)
	if c, ok := res.Source.(io.Closer); ok {
		_ = c.Close()
	}
	if err != nil {
		return res, err
	}
	if m := edition2024.FindSubmatchIndex(b); m != nil {
		b = bytes.Clone(b)
		copy(b[m[2]+1:m[3]-1], "2023")
		r.mu.Lock()
		r.paths[path] = true
		r.mu.Unlock()
	}
	res.Source = bytes.NewReader(b)
	return res, nil
}

// restore declares edition 2024 again on the files that had it. It also
// files the comments of an edition declaration under the path of `syntax`,
// where protoc and buf put them (protocompile v0.14.1 uses the path of
// `edition`), so that protoc-gen-go writes a file's leading comment as it
// does under buf.
func (r *editions2024) restore(fd *descriptorpb.FileDescriptorProto) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.paths[fd.GetName()] {
		fd.Edition = descriptorpb.Edition_EDITION_2024.Enum()
	}
	if fd.GetSyntax() != "editions" {
		return
	}
	const syntaxTag, editionTag = 12, 14
	for _, loc := range fd.GetSourceCodeInfo().GetLocation() {
		if len(loc.Path) == 1 && loc.Path[0] == editionTag {
			loc.Path[0] = syntaxTag
		}
	}
}
