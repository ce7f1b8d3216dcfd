package model

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.einride.tech/aip/resourcename"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/gofeaturespb"
	"gorm.io/gorm/schema"

	"github.com/protoforge/protoforge/ormrt"

	protoforgev1 "github.com/protoforge/protoforge/options/protoforge/v1"
)

// Build reads the models of every file of the request and validates their
// options. It returns every problem found, joined, each starting with
// `file:line:col: element name:`.
//
// Build runs in passes, as each needs the previous one complete across all
// files: models and tables, then columns and keys, then references and
// associations (which need every model's key), then indexes and names.
//
// Resources inferred from google.api.resource (no protoforge option) are
// best effort: one that cannot be stored as it is is left out, with a
// warning that says why, and the schema is built again without it.
func Build(gen *protogen.Plugin) (*Schema, error) {
	excluded := map[protoreflect.FullName]string{}
	for {
		b := &builder{s: &Schema{byName: map[protoreflect.FullName]*Model{}}, warned: map[*protogen.Method]bool{}, warnedFields: map[string]bool{},
			excluded: excluded, failed: map[protoreflect.FullName]string{}}
		s, err := b.build(gen)
		if len(b.failed) == 0 {
			return s, err
		}
		for name, why := range b.failed {
			excluded[name] = why
		}
	}
}

func (b *builder) build(gen *protogen.Plugin) (*Schema, error) {
	b.indexMessages(gen)
	b.goNames = goNames(gen)
	for _, f := range gen.Files {
		b.collect(f, f.Messages)
	}
	b.packageDirs(gen)
	for _, m := range b.s.Models {
		b.columns(m)
		b.key(m)
	}
	for _, m := range b.s.Models {
		b.references(m)
	}
	b.parents()
	// Belongs-to fields mark their foreign keys, which has-many fields of
	// other models look for: all of them first.
	for _, m := range b.s.Models {
		b.associations(m, StorageBelongsTo)
	}
	for _, m := range b.s.Models {
		b.associations(m, StorageHasMany)
		b.softDelete(m)
		b.indexes(m)
		b.names(m)
		roles(m)
		b.inputOnly(m)
		b.required(m)
		b.managedPresence(m)
		b.rowSize(m)
		b.keyLengths(m)
	}
	b.heldChildren()
	for _, f := range gen.Files {
		if f.Generate {
			b.services(f)
			b.formats(f)
		}
	}
	b.uniqueRoutes()
	b.unwrittenHeldParents()
	b.pgvRules(gen)
	b.pvRules(gen)
	// A table name is taken once per proto package and once per Go
	// package: the models of a Go package share one schema.
	type tableScope struct{ scope, table string }
	tables := map[tableScope]*Model{}
	recorded := map[tableScope]bool{}
	for _, m := range b.s.Models {
		if m.RequestIDTable != "" {
			recorded[tableScope{string(m.File.GoImportPath), m.RequestIDTable}] = true
		}
	}
	for _, m := range b.s.Models {
		if recorded[tableScope{string(m.File.GoImportPath), m.Table}] {
			b.errorf(m.File, m.Desc, "table %q holds the AIP-155 request ids of the package's writes that serve `request_id`; set a different (protoforge.v1.model).table", m.Table)
		}
		var prev *Model
		for _, k := range []tableScope{
			{"proto " + string(m.Desc.ParentFile().Package()), m.Table},
			{"go " + string(m.File.GoImportPath), m.Table},
		} {
			if p := tables[k]; p != nil {
				if prev == nil {
					prev = p
				}
				continue
			}
			tables[k] = m
		}
		if prev != nil {
			b.errorf(m.File, m.Desc, "table %q is also used by model %s; set a different (protoforge.v1.model).table", m.Table, prev.Desc.FullName())
		}
	}
	for _, f := range gen.Files {
		if !f.Generate {
			continue
		}
		file := &File{File: f}
		for _, m := range b.s.Models {
			if m.File == f {
				file.Models = append(file.Models, m)
			}
		}
		b.s.Files = append(b.s.Files, file)
	}
	if len(b.errs) > 0 {
		// Report in source order, whatever pass found the problem.
		sort.SliceStable(b.errs, func(i, j int) bool { return b.errs[i].less(b.errs[j]) })
		errs := make([]error, len(b.errs))
		for i, e := range b.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	sort.SliceStable(b.warns, func(i, j int) bool { return b.warns[i].less(b.warns[j]) })
	for _, w := range b.warns {
		b.s.Warnings = append(b.s.Warnings, w.msg)
	}
	return b.s, nil
}

// posError is a problem at a source position.
type posError struct {
	file      string
	line, col int
	msg       string
}

func (e *posError) Error() string { return e.msg }

func (e *posError) less(o *posError) bool {
	if e.file != o.file {
		return e.file < o.file
	}
	if e.line != o.line {
		return e.line < o.line
	}
	return e.col < o.col
}

type builder struct {
	s     *Schema
	errs  []*posError
	warns []*posError
	// warned holds the methods a warning already names; warnedFields the
	// request fields, with the operation that does not serve them.
	warned       map[*protogen.Method]bool
	warnedFields map[string]bool
	// excluded are the inferred resources left out of this build, and
	// failed those this build found unusable, with the first problem.
	excluded, failed map[protoreflect.FullName]string
	// inferred are the models of this build without the model option.
	inferred map[protoreflect.FullName]bool
	// namePatterns are the patterns of the inferred models identified by
	// their name.
	namePatterns map[protoreflect.FullName]string
	// goNames holds, by Go package, the package-level names protoc-gen-go
	// declares for the files of the request, and what each is.
	goNames map[protogen.GoImportPath]map[string]string
	// opts keeps each model's and field's options for the later passes.
	modelOpts map[*Model]*protoforgev1.ModelOptions
	fieldOpts map[*Field]*protoforgev1.FieldOptions
	// messages are the messages of the request's files by full name.
	messages map[protoreflect.FullName]*protogen.Message
	// lroRead are the long-running methods read as returning their
	// operation's response (see longRunning).
	lroRead map[*protogen.Method]bool
}

// errorf records a problem at the declaration of desc in file. A problem
// of an inferred resource fails that resource instead (see Build).
func (b *builder) errorf(file *protogen.File, desc protoreflect.Descriptor, format string, args ...any) {
	if owner := ownerMessage(desc); owner != "" && b.inferred[owner] {
		if _, ok := b.failed[owner]; !ok {
			why := fmt.Sprintf(format, args...)
			if desc.FullName() != owner {
				// The warning is at the message: a problem of one of its
				// parts says where that is.
				why = fmt.Sprintf("%s: %s %s: %s", Position(file, desc), elementKind(desc), desc.FullName(), why)
			}
			b.failed[owner] = why
		}
		return
	}
	src := declaringFile(file, desc)
	loc := src.SourceLocations().ByDescriptor(desc)
	b.errs = append(b.errs, &posError{
		file: src.Path(), line: loc.StartLine, col: loc.StartColumn,
		msg: fmt.Sprintf("%s: %s %s: %s", Position(file, desc), elementKind(desc), desc.FullName(), fmt.Sprintf(format, args...)),
	})
}

// packageDirs refuses the files of one Go package holding models that
// would be written into different directories (paths=source_relative of
// files in different directories): the output of each directory would
// miss the declarations of the others and not compile. Files without
// models, for which the plugins write nothing, are left to protoc-gen-go.
func (b *builder) packageDirs(gen *protogen.Plugin) {
	withModels := map[*protogen.File]bool{}
	for _, m := range b.s.Models {
		withModels[m.File] = true
	}
	first := map[protogen.GoImportPath]*protogen.File{}
	for _, f := range gen.Files {
		if !f.Generate || !withModels[f] {
			continue
		}
		o, ok := first[f.GoImportPath]
		if !ok {
			first[f.GoImportPath] = f
			continue
		}
		dir, odir := path.Dir(f.GeneratedFilenamePrefix), path.Dir(o.GeneratedFilenamePrefix)
		if dir == odir {
			continue
		}
		loc := f.Desc.SourceLocations().ByPath(protoreflect.SourcePath{8, 11}) // option go_package
		where := f.Desc.Path()
		if loc.Path != nil {
			where = fmt.Sprintf("%s:%d:%d", where, loc.StartLine+1, loc.StartColumn+1)
		}
		b.errs = append(b.errs, &posError{file: f.Desc.Path(), line: loc.StartLine, col: loc.StartColumn,
			msg: fmt.Sprintf("%s: Go package %s is also the package of %s, whose code is written into %s/, not %s/, and a Go package is one directory: the code of each would miss the other's declarations; move the files into one directory, or generate with paths=import or module=<module path>", where, f.GoImportPath, o.Desc.Path(), odir, dir)})
	}
}

// ownerMessage is the message a field, oneof or message descriptor
// belongs to.
func ownerMessage(desc protoreflect.Descriptor) protoreflect.FullName {
	switch d := desc.(type) {
	case protoreflect.MessageDescriptor:
		return d.FullName()
	case protoreflect.FieldDescriptor:
		if p, ok := d.Parent().(protoreflect.MessageDescriptor); ok {
			return p.FullName()
		}
	case protoreflect.OneofDescriptor:
		return d.Parent().FullName()
	}
	return ""
}

// warnf records a warning at the declaration of desc in file: something
// left to the user that they may not expect.
func (b *builder) warnf(file *protogen.File, desc protoreflect.Descriptor, format string, args ...any) {
	src := declaringFile(file, desc)
	loc := src.SourceLocations().ByDescriptor(desc)
	b.warns = append(b.warns, &posError{
		file: src.Path(), line: loc.StartLine, col: loc.StartColumn,
		msg: fmt.Sprintf("%s: %s %s: %s", Position(file, desc), elementKind(desc), desc.FullName(), fmt.Sprintf(format, args...)),
	})
}

func (b *builder) line(file *protogen.File, desc protoreflect.Descriptor) int {
	return declaringFile(file, desc).SourceLocations().ByDescriptor(desc).StartLine
}

// Position is `path:line:col` (1-based) of desc's declaration: in the file
// that declares it, which may be another than file (a request message
// declared beside its resource, used by a service of file).
func Position(file *protogen.File, desc protoreflect.Descriptor) string {
	src := declaringFile(file, desc)
	loc := src.SourceLocations().ByDescriptor(desc)
	if loc.Path == nil {
		return src.Path()
	}
	return fmt.Sprintf("%s:%d:%d", src.Path(), loc.StartLine+1, loc.StartColumn+1)
}

// declaringFile is the file that declares desc, file when desc has none.
func declaringFile(file *protogen.File, desc protoreflect.Descriptor) protoreflect.FileDescriptor {
	if pf := desc.ParentFile(); pf != nil {
		return pf
	}
	return file.Desc
}

func elementKind(desc protoreflect.Descriptor) string {
	switch desc.(type) {
	case protoreflect.FieldDescriptor:
		return "field"
	case protoreflect.MessageDescriptor:
		return "message"
	case protoreflect.ServiceDescriptor:
		return "service"
	case protoreflect.MethodDescriptor:
		return "method"
	case protoreflect.OneofDescriptor:
		return "oneof"
	}
	return "element"
}

// opaqueAdvice is the error of a message whose Go API hides its fields.
const opaqueAdvice = "the generated code sets message fields directly, which the opaque Go API (the default of edition 2024) hides; " +
	"use the hybrid or open API: `import \"google/protobuf/go_features.proto\";` and `option features.(pb.go).api_level = API_HYBRID;`"

// resourceModel makes a message with google.api.resource a model without
// protoforge's option (AIP-123), when it has a key the models can store:
// a field marked primary_key or a field `id`. Resources named only by
// their `name` are not generated yet: a warning says so, and their
// methods are left to the user.
func (b *builder) resourceModel(f *protogen.File, msg *protogen.Message) *protoforgev1.ModelOptions {
	r, _ := proto.GetExtension(msg.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
	if r == nil {
		return nil
	}
	if why, ok := b.excluded[msg.Desc.FullName()]; ok {
		if f.Generate {
			b.warnf(f, msg.Desc, "resource %q is not generated: %s", r.GetType(), why)
		}
		return nil
	}
	nameField := r.GetNameField()
	if nameField == "" {
		nameField = "name"
	}
	nf := msg.Desc.Fields().ByName(protoreflect.Name(nameField))
	patterns := StoredPatterns(r)
	for _, fd := range msg.Fields {
		fo, _ := proto.GetExtension(fd.Desc.Options(), protoforgev1.E_Field).(*protoforgev1.FieldOptions)
		if fo.GetPrimaryKey() {
			return &protoforgev1.ModelOptions{}
		}
		if fd.Desc.Name() == "id" && !namedUnderParent(nf, patterns) {
			return &protoforgev1.ModelOptions{}
		}
	}
	// Identified by its name (AIP-122): the name is the key, stored as the
	// ids its pattern's variables hold, one column each.
	why, fix := "", "add `int64 id` (or mark a key with (protoforge.v1.field).primary_key) to store it"
	switch {
	case nf == nil || nf.Kind() != protoreflect.StringKind || nf.Cardinality() == protoreflect.Repeated:
		why = fmt.Sprintf("it has no key column and no string field %q to hold its name", nameField)
	case nf.HasPresence():
		// The name is the key, whose columns cannot be NULL.
		why = fmt.Sprintf("its name field %q has presence, and the columns of a name cannot be NULL", nameField)
		fix = presenceFix(nf)
	case len(patterns) == 0 && len(r.GetPattern()) > 0:
		// Only names without variables, which no row can hold.
		_, err := patternVars(r.GetPattern()[0])
		why = err.Error()
	case len(patterns) == 0:
		why = "it has no pattern"
	case len(patterns) > 1:
		if why = patternSetProblem(patterns); why != "" {
			fix = "keep one pattern, or " + fix
		}
	default:
		if _, err := patternVars(patterns[0]); err != nil {
			why = err.Error()
			if f := emptySegmentFix(patterns[0]); f != "" {
				fix = f
			}
		}
	}
	if why == "" {
		if b.namePatterns == nil {
			b.namePatterns = map[protoreflect.FullName]string{}
		}
		b.namePatterns[msg.Desc.FullName()] = strings.Join(patterns, "|")
		return &protoforgev1.ModelOptions{PrimaryKey: []string{nameField}}
	}
	if !f.Generate {
		return nil
	}
	b.warnf(f, msg.Desc, "resource %q (pattern %q) is not generated: %s; %s", r.GetType(), strings.Join(r.GetPattern(), ", "), why, fix)
	return nil
}

// StoredPatterns are the patterns of r that name stored rows: all but
// those without a variable, each of which is one name that no row holds
// (Pub/Sub's Topic has `_deleted-topic_`, which a subscription names once
// its topic is deleted). See LiteralNames.
func StoredPatterns(r *annotations.ResourceDescriptor) []string {
	var out []string
	for _, p := range r.GetPattern() {
		if strings.Contains(p, "{") {
			out = append(out, p)
		}
	}
	return out
}

// LiteralNames are the patterns of m's google.api.resource without a
// variable, beside patterns with variables: names that refer to no stored
// resource, as a reference may hold them (see StoredPatterns).
func LiteralNames(m *Model) []string {
	r, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
	if len(StoredPatterns(r)) == 0 {
		return nil
	}
	var out []string
	for _, p := range r.GetPattern() {
		if !strings.Contains(p, "{") {
			out = append(out, p)
		}
	}
	return out
}

// namedUnderParent reports whether a resource with name field nf and
// patterns is named under a parent, by a string name that can be its key:
// its `id` field, if it has one, is then not the key, which could not
// scope its rows to their parents (Cloud Notebooks' Instance has an
// output-only `id` beside its name
// "projects/{project}/locations/{location}/instances/{instance}").
func namedUnderParent(nf protoreflect.FieldDescriptor, patterns []string) bool {
	if nf == nil || nf.Kind() != protoreflect.StringKind || nf.Cardinality() == protoreflect.Repeated || nf.HasPresence() || len(patterns) != 1 {
		return false
	}
	vars, err := patternVars(patterns[0])
	return err == nil && len(vars) > 1
}

// keyCollations gives the columns of a foreign key the collations of the
// key they hold, parents first: the parent columns of a resource under a
// parent (a singleton's included) and the fields with references.
// MySQL/MariaDB refuses a foreign key between strings of different
// collations, and PostgreSQL would compare them apart. A collation the
// referring field sets itself must be the key's.
func (b *builder) keyCollations() {
	models := slices.Clone(b.s.Models)
	slices.SortStableFunc(models, func(x, y *Model) int { return depth(x) - depth(y) })
	// PostgreSQL's default is "C": naming it is no other collation.
	pgEffective := func(c string) string { return cmp.Or(c, "C") }
	// own marks the collations a field sets itself, which must be the
	// key's; the others follow the key.
	own := map[*Field][2]bool{}
	for _, m := range models {
		for _, f := range m.Columns {
			own[f] = [2]bool{f.MySQLCollation != "" && !f.Synthetic(), f.PostgresCollation != "" && !f.Synthetic()}
		}
	}
	reported := map[*Field]bool{}
	same := func(f, k *Field, what string) bool {
		if f.Type != TypeString || k.Type != TypeString {
			return false
		}
		changed := false
		for i, c := range []struct {
			name      string
			mine, key *string
			eq        func(a, b string) bool
		}{
			{"mysql_collation", &f.MySQLCollation, &k.MySQLCollation, func(a, b string) bool { return a == b }},
			{"postgres_collation", &f.PostgresCollation, &k.PostgresCollation, func(a, b string) bool { return pgEffective(a) == pgEffective(b) }},
		} {
			switch {
			case c.eq(*c.mine, *c.key):
			case !own[f][i]:
				*c.mine, changed = *c.key, true
			case !reported[f]:
				reported[f] = true
				b.errorf(f.Model.File, f.Desc, "(protoforge.v1.field).%s %q differs from that of %s, the key it holds (%q): a foreign key joins strings of one collation; give both the same", c.name, *c.mine, what, *c.key)
			}
		}
		return changed
	}
	// Until nothing changes: a key may itself hold another (references
	// in a chain, in any order of the files).
	for range len(models) + 1 {
		changed := false
		for _, m := range models {
			if p := m.Parent; p != nil && len(p.PrimaryKey) == len(m.ParentColumns()) {
				for i, c := range m.ParentColumns() {
					changed = same(c, p.PrimaryKey[i], string(p.Desc.FullName())+"."+p.PrimaryKey[i].Column) || changed
				}
			}
			for _, l := range m.Parents {
				p := l.Model
				for i, c := range l.ForeignKey() {
					changed = same(c, p.PrimaryKey[i], string(p.Desc.FullName())+"."+p.PrimaryKey[i].Column) || changed
				}
			}
			for _, f := range m.Columns {
				if t := f.References; t != nil && len(t.PrimaryKey) == 1 {
					changed = same(f, t.PrimaryKey[0], string(t.Desc.FullName())+"."+t.PrimaryKey[0].Column) || changed
				}
			}
		}
		if !changed {
			return
		}
	}
}

// emptySegmentFix suggests how to write a pattern that has empty segments
// ("shelves/{shelf}/", "shelves//{shelf}") without them, when that makes it
// valid; it is "" otherwise.
func emptySegmentFix(pattern string) string {
	var kept []string
	for _, s := range strings.Split(pattern, "/") {
		if s != "" {
			kept = append(kept, s)
		}
	}
	fixed := strings.Join(kept, "/")
	if fixed == pattern || fixed == "" {
		return ""
	}
	if _, err := patternVars(fixed); err != nil {
		return ""
	}
	what := "the empty segments"
	switch inner := strings.Trim(pattern, "/"); {
	case inner+"/" == pattern:
		what = "the trailing `/`"
	case "/"+inner == pattern:
		what = "the leading `/`"
	case inner == pattern && strings.Count(pattern, "//") == 1 && !strings.Contains(pattern, "///"):
		what = "the empty segment"
	}
	return fmt.Sprintf("drop %s: pattern: %q", what, fixed)
}

// heldAsValues reports whether a list of target that m holds is stored as
// JSON rather than as a has-many association: both are resources inferred
// from google.api.resource (AIP-123), and m is named under a parent, whose
// composite key has-many cannot hold (Secret Manager's Secret.topics, a
// list of Pub/Sub topics it names).
func (b *builder) heldAsValues(m, target *Model) bool {
	p := b.namePatterns[m.Desc.FullName()]
	return m.Inferred && target.Inferred && p != "" && len(ormrt.PatternVars(p)) > 1
}

// patternSetProblem says why the rows of a resource with several
// patterns (AIP-123) cannot be stored, or "". Its rows store the union of
// the patterns' variables, "" where a row's pattern lacks one
// (ormrt.PatternVars): each pattern must name stored rows, end with the
// same collection and id (a singleton's: the same collection), and have
// a parent; and no two may have the same
// variables, which would not tell a row's pattern, nor the same form,
// which would not tell a name's.
func patternSetProblem(patterns []string) string {
	// The pattern of each set of variables, and of each form.
	seen, forms := map[string]string{}, map[string]string{}
	var tail string
	for i, p := range patterns {
		if strings.Contains(p, "|") {
			return fmt.Sprintf("pattern %q holds \"|\"", p)
		}
		vars, err := patternVars(p)
		if err != nil {
			return err.Error()
		}
		parts := strings.Split(p, "/")
		if ormrt.SingletonPattern(p) != ormrt.SingletonPattern(patterns[0]) {
			return fmt.Sprintf("patterns %q and %q are not both singletons' (AIP-156): the patterns of one resource name singletons, one per parent, or resources with ids of their own", patterns[0], p)
		}
		var t string
		switch {
		case ormrt.SingletonPattern(p):
			// A singleton of several parents (Cloud Logging's settings of
			// projects, folders, organizations): the same collection
			// after each (patternVars made sure it has a parent).
			t = parts[len(parts)-1]
		case len(parts) < 4:
			return fmt.Sprintf("pattern %q has no parent, and a resource of several patterns is stored under its patterns' parents", p)
		default:
			t = parts[len(parts)-2] + "/" + parts[len(parts)-1]
		}
		if i == 0 {
			tail = t
		} else if t != tail {
			return fmt.Sprintf("patterns %q and %q end differently (%s, %s): the patterns of one resource end with the same collection and id", patterns[0], p, tail, t)
		}
		set := slices.Clone(vars)
		slices.Sort(set)
		key := strings.Join(set, ",")
		if q, ok := seen[key]; ok {
			return fmt.Sprintf("patterns %q and %q have the same variables, and the stored ids could not tell which names a row", q, p)
		}
		if q, ok := forms[globOf(p)]; ok {
			return fmt.Sprintf("patterns %q and %q are of one form, and a name could not tell which it is", q, p)
		}
		seen[key], forms[globOf(p)] = p, p
	}
	return ""
}

// patternVars returns the variables of an AIP-122 pattern of collections
// and ids, "shelves/{shelf}/books/{book}" → shelf, book, or why the
// pattern cannot name stored rows. An id of a parent may be fixed text
// rather than a variable (API Gateway's
// "projects/{project}/locations/global/apis/{api}"): every name has it,
// so no column stores it, and a name with another one does not match.
// The resource's own id is a variable, and its collections are not.
func patternVars(pattern string) ([]string, error) {
	if err := resourcename.ValidatePattern(pattern); err != nil {
		return nil, fmt.Errorf("pattern %q is not a valid AIP-122 pattern: %v", pattern, err)
	}
	parts := strings.Split(pattern, "/")
	if len(parts)%2 != 0 {
		// A singleton (AIP-156), "users/{user}/config": one row per
		// parent, keyed by the parent's variables.
		last := parts[len(parts)-1]
		if len(parts) == 1 || strings.HasPrefix(last, "{") || !validIdent(strings.ReplaceAll(last, "-", "_")) {
			return nil, fmt.Errorf("pattern %q does not end with a variable, nor is it a singleton under a parent (AIP-156); its rows have no key", pattern)
		}
		parts = parts[:len(parts)-1]
	}
	var vars []string
	seen := map[string]bool{}
	for i := 0; i < len(parts); i += 2 {
		c, v := parts[i], parts[i+1]
		if strings.HasPrefix(c, "{") || !validIdent(strings.ReplaceAll(c, "-", "_")) {
			return nil, fmt.Errorf("pattern %q does not alternate collections and variables", pattern)
		}
		if !strings.HasPrefix(v, "{") && i+2 < len(parts) {
			// A parent's fixed id ("locations/global", its characters
			// vetted by ValidatePattern), held by no column.
			continue
		}
		if !strings.HasPrefix(v, "{") || !validIdent(v[1:len(v)-1]) {
			return nil, fmt.Errorf("pattern %q does not alternate collections and variables", pattern)
		}
		v = v[1 : len(v)-1]
		if seen[v] {
			return nil, fmt.Errorf("pattern %q uses variable %q twice", pattern, v)
		}
		seen[v] = true
		vars = append(vars, v)
	}
	return vars, nil
}

// parents links each resource under a parent to the model of its parent
// pattern, when that model is in the same Go package (its key is then a
// foreign key target), and lists every model's descendants.
func (b *builder) parents() {
	// A parent is known by its collections, whatever its variables are
	// called: "shelves/{shelf}" of a book is "shelves/{shelf_id}".
	byPattern := map[string]*Model{}
	for _, m := range b.s.Models {
		if m.Name != nil {
			byPattern[globOf(m.Name.NamePattern)] = m
		}
	}
	for _, m := range b.s.Models {
		if p := byPattern[globOf(m.ParentPattern())]; p != nil && m.ParentPattern() != "" && p != m && p.File.GoImportPath == m.File.GoImportPath {
			m.Parent = p
		} else if p == nil && m.ParentPattern() != "" && !m.Singleton() && !m.Name.MultiPattern() {
			b.parentAbove(m, byPattern)
		}
	}
	for _, m := range b.s.Models {
		b.parentLinks(m, byPattern)
	}
	for _, m := range b.s.Models {
		b.partialParent(m)
	}
	b.keyCollations()
	byType := map[string]*Model{}
	for _, m := range b.s.Models {
		if r, _ := proto.GetExtension(m.Desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); r != nil && m.Name != nil {
			byType[r.GetType()] = m
		}
	}
	for _, m := range b.s.Models {
		for _, f := range m.Columns {
			ref, _ := proto.GetExtension(f.Desc.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference)
			if f.Synthetic() || f == m.Name {
				continue
			}
			if ref == nil || f.Type != TypeString {
				if t := listRefersTo(f, ref, byType); t != nil {
					// Each name of the list is checked, and a Delete
					// of what one names is refused.
					f.ListRefersTo = t
					t.ListReferrers = append(t.ListReferrers, f)
					continue
				}
				b.uncheckedRefs(m, f, ref)
				continue
			}
			if ref.GetChildType() != "" {
				// Any resource of whatever parent child_type names.
				b.warnf(m.File, f.Desc, "resource_reference child_type %q is not checked: the name is stored as sent, and deleting what it names is not refused; name the resource's type with `type` to have it checked", ref.GetChildType())
				continue
			}
			if t := byType[ref.GetType()]; t != nil && t.File.GoImportPath == m.File.GoImportPath {
				if t.Singleton() && t.Parent == nil {
					b.warnf(m.File, f.Desc, "resource_reference %q is not checked: %s is a singleton (AIP-156) whose parent this package does not store, so it always exists; the name is stored as sent", ref.GetType(), t.Desc.FullName())
					continue
				}
				f.RefersTo = t
				rows := f.RefRows()
				rows.Referrers = append(rows.Referrers, f)
			} else if !hasBehavior(f, annotations.FieldBehavior_OUTPUT_ONLY) {
				// As the references on repeated fields and inside
				// messages: said, since nothing holds them.
				why := "no resource of this package has that type (another API's, or one that is not generated)"
				switch {
				case ref.GetType() == "*":
					why = "it may name a resource of any type"
				case t != nil:
					why = fmt.Sprintf("%s is stored by another Go package (%s), whose table no foreign key of this one reaches", t.Desc.FullName(), t.File.GoImportPath)
				}
				b.warnf(m.File, f.Desc, "resource_reference %q is not checked: %s; the name is stored as sent, and deleting what it names is not refused", ref.GetType(), why)
			}
		}
	}
	for _, m := range b.s.Models {
		b.refParts(m)
	}

	for _, m := range b.s.Models {
		for _, p := range ancestors(m) {
			p.Children = append(p.Children, m)
		}
	}
	for _, m := range b.s.Models {
		sort.SliceStable(m.Children, func(i, j int) bool { return depth(m.Children[i]) > depth(m.Children[j]) })
	}
}

// parentAbove makes the parent of m, whose parent pattern no message
// stores, the nearest ancestor one of its Go package does (AIP-122: a
// resource declared by google.api.resource_definition alone, as
// Firestore's collectionGroups/{collection} between a database and its
// indexes): a resource is then created only under an ancestor that
// exists, and Delete of the ancestor knows it. An ancestor stored by
// another package stops the search, as a parent of another package does.
func (b *builder) parentAbove(m *Model, byPattern map[string]*Model) {
	parts := strings.Split(m.ParentPattern(), "/")
	for n := len(parts) - 2; n >= 2; n -= 2 {
		p := byPattern[globOf(strings.Join(parts[:n], "/"))]
		if p == nil {
			continue
		}
		if p != m && p.File.GoImportPath == m.File.GoImportPath && !p.Singleton() {
			m.Parent, m.ParentAbove = p, true
		}
		return
	}
}

// ancestors are m's stored parents, theirs, and so on, each once.
func ancestors(m *Model) []*Model {
	var out []*Model
	var walk func(m *Model, n int)
	walk = func(m *Model, n int) {
		for _, p := range m.ParentModels() {
			if !slices.Contains(out, p) && n < 100 {
				out = append(out, p)
				walk(p, n+1)
			}
		}
	}
	walk(m, 0)
	return out
}

// depth is the number of stored resources above m on its longest way up.
func depth(m *Model) int {
	var up func(m *Model, n int) int
	up = func(m *Model, n int) int {
		d := 0
		for _, p := range m.ParentModels() {
			if n < 100 {
				d = max(d, 1+up(p, n+1))
			}
		}
		return d
	}
	return up(m, 0)
}

// parentLinks gives m its Parents when its parent patterns (AIP-123) are
// each the one pattern of a different resource of its Go package, none a
// singleton (GKE Hub's RBACRoleBinding, under a Scope or a Membership):
// its rows are under one of them, a foreign key to each (see ParentLink).
// Any other mix is left to partialParent, which says why it is refused.
func (b *builder) parentLinks(m *Model, byPattern map[string]*Model) {
	if m.Parent != nil || m.Name == nil || !m.Name.MultiPattern() || m.Singleton() || m.ParentPattern() == "" {
		return
	}
	var links []*ParentLink
	seen := map[*Model]bool{}
	vars := ormrt.PatternVars(m.Name.NamePattern)
	for _, alt := range ormrt.Patterns(m.Name.NamePattern) {
		pp := ormrt.ParentPattern(alt)
		t := byPattern[globOf(pp)]
		if t == nil || t == m || seen[t] || t.File.GoImportPath != m.File.GoImportPath || t.Name.MultiPattern() || t.Singleton() || len(t.Name.NameParts) != len(ormrt.PatternVars(pp)) {
			return
		}
		seen[t] = true
		l := &ParentLink{Model: t, Pattern: alt}
		for _, v := range ormrt.PatternVars(pp) {
			l.Columns = append(l.Columns, m.Name.NameParts[slices.Index(vars, v)])
		}
		links = append(links, l)
	}
	if len(links) < 2 {
		return
	}
	taken := map[string]bool{}
	for _, f := range m.Columns {
		taken[f.Column] = true
	}
	var ids []*Field
	for _, l := range links {
		k := l.Columns[len(l.Columns)-1]
		col := identifier("parent_" + k.Column)
		for taken[col] {
			col = identifier(col + "_")
		}
		taken[col] = true
		spf := *m.Name.Field
		spf.GoName = camel(col)
		l.ID = &Field{Field: &spf, Model: m, Storage: StorageColumn, Column: col, Type: k.Type, Size: k.Size,
			MySQLCollation: k.MySQLCollation, PostgresCollation: k.PostgresCollation, Presence: PresenceOptional, ParentIDOf: l}
		b.fieldOpts[l.ID] = &protoforgev1.FieldOptions{}
		ids = append(ids, l.ID)
	}
	m.Parents = links
	// The ids follow the name, in the struct and in the table.
	insertAfter := func(fs []*Field) []*Field {
		i := slices.Index(fs, m.Name)
		return slices.Insert(fs, i+1, ids...)
	}
	m.Fields, m.Columns = insertAfter(m.Fields), insertAfter(m.Columns)
}

// heldChildren lists, on each model named by its name, the models of its
// Go package that hold their parent's name in a field (HeldParent),
// which may name it.
func (b *builder) heldChildren() {
	for _, h := range b.s.Models {
		if h.Name == nil || HeldParent(h) == nil {
			continue
		}
		ref, _ := proto.GetExtension(HeldParent(h).Desc.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference)
		for _, m := range b.s.Models {
			if m.Name != nil && m.File.GoImportPath == h.File.GoImportPath && !m.Singleton() {
				m.HeldChildren = append(m.HeldChildren, h)
				if ref.GetType() == "" {
					h.HeldParents = append(h.HeldParents, m)
				}
			}
		}
	}
}

// partialParent refuses a resource whose parent patterns are some of the
// patterns of a resource of the package, not all (AIP-123): the rows of
// the parent's other patterns could not be its parents, and those of its
// own patterns would not be checked against a stored parent.
func (b *builder) partialParent(m *Model) {
	pp := m.ParentPattern()
	if m.Parent != nil || len(m.Parents) > 0 || pp == "" {
		return
	}
	var parents []*Model // the resources some parent pattern is a pattern of
	for _, t := range b.s.Models {
		if t == m || t.Name == nil || t.File.GoImportPath != m.File.GoImportPath || !t.Name.MultiPattern() && !m.Name.MultiPattern() {
			continue
		}
	patterns:
		for _, alt := range ormrt.Patterns(pp) {
			for _, talt := range ormrt.Patterns(t.Name.NamePattern) {
				if globOf(alt) == globOf(talt) {
					parents = append(parents, t)
					break patterns
				}
			}
		}
	}
	switch {
	case len(parents) == 1 && !parents[0].Name.MultiPattern() && !m.Singleton():
		// shelves/{shelf}/xs/{x} beside counters/{counter}/xs/{x}, when
		// no resource of the package is a counter.
		t := parents[0]
		var others []string
		for _, alt := range ormrt.Patterns(pp) {
			if globOf(alt) != globOf(t.Name.NamePattern) {
				others = append(others, alt)
			}
		}
		b.errorf(m.File, m.Desc, "its parent patterns (%s) are those of %s (%s) and of no resource of the package (%s): a resource under parents of several types is stored when each is a resource of the package, so that a foreign key to each holds its rows; declare those parents as resources here, or serve it with methods of your own", ormrt.PatternText(pp), t.Desc.FullName(), t.Name.NamePattern, strings.Join(others, ", "))
	case len(parents) == 1:
		t := parents[0]
		b.errorf(m.File, m.Desc, "its parent patterns (%s) are not those of %s (%s): a resource of several patterns (AIP-123) is stored under every pattern of its parent or under none; give it a pattern under each of %s's", ormrt.PatternText(pp), t.Desc.FullName(), ormrt.PatternText(t.Name.NamePattern), t.Desc.Name())
	case len(parents) > 1:
		// organizations/{o}/xs/{x} beside organizations/{o}/projects/{p}/xs/{x}:
		// rows under one parent or the other, which no one key holds.
		// Parents of several types are stored when each parent
		// pattern is the one pattern of a resource (parentLinks).
		var of, why []string
		for _, t := range parents {
			of = append(of, fmt.Sprintf("%s (%s)", t.Desc.FullName(), ormrt.PatternText(t.Name.NamePattern)))
		}
		if m.Singleton() {
			// Keyed by its parent's key (AIP-156): of one resource.
			b.errorf(m.File, m.Desc, "its parent patterns (%s) are those of different resources, %s: a singleton of several patterns (AIP-123) is stored under the patterns of one parent; give its patterns one parent, or serve it with methods of your own", ormrt.PatternText(pp), strings.Join(of, " and "))
			return
		}
		for _, t := range parents {
			switch {
			case t.Name.MultiPattern():
				why = append(why, fmt.Sprintf("%s has several patterns", t.Desc.Name()))
			case t.Singleton():
				why = append(why, fmt.Sprintf("%s is a singleton (AIP-156)", t.Desc.Name()))
			}
		}
	alts:
		for _, alt := range ormrt.Patterns(pp) {
			for _, t := range parents {
				for _, talt := range ormrt.Patterns(t.Name.NamePattern) {
					if globOf(alt) == globOf(talt) {
						continue alts
					}
				}
			}
			why = append(why, fmt.Sprintf("%s is the pattern of no resource of the package", alt))
		}
		if len(why) == 0 {
			why = append(why, "their patterns are not each one resource's")
		}
		b.errorf(m.File, m.Desc, "its parent patterns (%s) are those of different resources, %s, and %s: a resource under parents of several types is stored when each parent pattern is the one pattern of a resource of the package, so that a foreign key to each holds its rows; give each parent one pattern, or serve it with methods of your own", ormrt.PatternText(pp), strings.Join(of, " and "), strings.Join(why, ", "))
	}
}

// listRefersTo is the model a repeated string field f stored as a JSON
// array names by google.api.resource_reference ref, when its type is a
// resource stored by f's Go package that is not a singleton (whose name
// no row holds); nil otherwise, and for an OUTPUT_ONLY field, which no
// client writes.
func listRefersTo(f *Field, ref *annotations.ResourceReference, byType map[string]*Model) *Model {
	if ref == nil || ref.GetType() == "" || hasBehavior(f, annotations.FieldBehavior_OUTPUT_ONLY) {
		return nil
	}
	if _, ok := collectionKind(f); !ok || !f.Desc.IsList() {
		return nil
	}
	t := byType[ref.GetType()]
	if t == nil || t.File.GoImportPath != f.Model.File.GoImportPath || t.Singleton() {
		return nil
	}
	return t
}

// uncheckedRefs warns of the resource references that field f of m holds
// and the server does not check (AIP-122: the name is stored as sent, and
// deleting what it names is not refused): f's own when it is repeated or
// a map (ref), and those of the fields of a message f stores as JSON.
// OUTPUT_ONLY fields, which no client writes, hold none.
func (b *builder) uncheckedRefs(m *Model, f *Field, ref *annotations.ResourceReference) {
	if hasBehavior(f, annotations.FieldBehavior_OUTPUT_ONLY) {
		// No client sets it (AIP-203): no name is stored as sent.
		return
	}
	if ref != nil {
		b.warnf(m.File, f.Desc, "resource_reference %q on a %s is not checked: the names are stored as sent, and deleting what they name is not refused; check them in a method of your own", ref.GetType()+ref.GetChildType(), kindOfRepeated(f.Desc))
		return
	}
	if f.Desc.Message() == nil {
		return
	}
	var paths []string
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor, prefix string)
	walk = func(md protoreflect.MessageDescriptor, prefix string) {
		if seen[md.FullName()] || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
			return
		}
		seen[md.FullName()] = true
		for i := range md.Fields().Len() {
			fd := md.Fields().Get(i)
			if descHasBehavior(fd, annotations.FieldBehavior_OUTPUT_ONLY) {
				continue
			}
			path := prefix + "." + string(fd.Name())
			if proto.HasExtension(fd.Options(), annotations.E_ResourceReference) {
				paths = append(paths, path)
			}
			if fd.IsMap() {
				fd = fd.MapValue()
			}
			if fd.Message() != nil {
				walk(fd.Message(), path)
			}
		}
	}
	walk(f.Desc.Message(), string(f.Desc.Name()))
	if len(paths) > 0 {
		b.warnf(m.File, f.Desc, "holds resource references inside a message stored as JSON (%s), which are not checked: the names are stored as sent, and deleting what they name is not refused", strings.Join(paths, ", "))
	}
}

func kindOfRepeated(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		return "map"
	case fd.IsList():
		return "repeated field"
	}
	return "field of type " + fd.Kind().String()
}

// refParts gives every resource_reference field of m the columns that
// hold the variables of the name it holds, placed after it:
// previous_shelf of "publishers/{publisher}/shelves/{shelf}" gets
// previous_shelf_publisher and previous_shelf_shelf, nullable (an empty
// reference is NULL) and of the referenced key columns' types, and an
// index over them, which the foreign key to the referenced table uses.
func (b *builder) refParts(m *Model) {
	var fields, cols []*Field
	for _, f := range m.Fields {
		fields = append(fields, f)
		if t := f.RefersTo; t != nil {
			fields = append(fields, b.refPartsOf(f, t)...)
		}
	}
	for _, f := range m.Columns {
		cols = append(cols, f)
		cols = append(cols, f.RefParts...)
	}
	m.Fields, m.Columns = fields, cols
}

func (b *builder) refPartsOf(f *Field, t *Model) []*Field {
	// The variables of every pattern of t (AIP-123): a name of one
	// holds "" in those its pattern lacks.
	vars := ormrt.PatternVars(t.Name.NamePattern)
	for i, k := range t.Name.NameParts {
		spf := *f.Field
		spf.GoName = f.GoName + camel(vars[i])
		pc := &Field{
			Field: &spf, Model: f.Model, Storage: StorageColumn, RefPartOf: f,
			Column: identifier(f.Column + "_" + vars[i]), Type: k.Type, Size: k.Size,
			MySQLCollation: k.MySQLCollation, PostgresCollation: k.PostgresCollation, Presence: PresenceOptional,
		}
		b.fieldOpts[pc] = &protoforgev1.FieldOptions{}
		f.RefParts = append(f.RefParts, pc)
	}
	return f.RefParts
}

// identifier shortens a name longer than every dialect accepts with a hash.
func identifier(name string) string {
	if len(name) <= maxIdent {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:maxIdent-9] + "_" + hex.EncodeToString(sum[:4])
}

// camel turns a snake_case variable into a Go name: "shelf_id" → "ShelfId".
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// collect registers every message with the model option, nested ones too.
func (b *builder) collect(f *protogen.File, msgs []*protogen.Message) {
	for _, msg := range msgs {
		b.collect(f, msg.Messages)
		if msg.Desc.IsMapEntry() {
			continue
		}
		opts, _ := proto.GetExtension(msg.Desc.Options(), protoforgev1.E_Model).(*protoforgev1.ModelOptions)
		inferred := false
		if opts == nil {
			if opts = b.resourceModel(f, msg); opts == nil {
				continue
			}
			inferred = true
			if b.inferred == nil {
				b.inferred = map[protoreflect.FullName]bool{}
			}
			b.inferred[msg.Desc.FullName()] = true
		}
		m := &Model{
			Message:     msg,
			File:        f,
			Ident:       f.GoImportPath.Ident(msg.GoIdent.GoName + "Model"),
			Table:       opts.GetTable(),
			RenamedFrom: opts.GetRenamedFrom(),
			Inferred:    inferred,
		}
		if m.Table == "" {
			m.Table = schema.NamingStrategy{}.TableName(msg.GoIdent.GoName)
		} else if !validIdent(m.Table) {
			b.errorf(f, msg.Desc, "(protoforge.v1.model).table %q is not a valid table name; use letters, digits and underscores, e.g. %q", m.Table, schema.NamingStrategy{}.TableName(msg.GoIdent.GoName))
		}
		if msg.APILevel == gofeaturespb.GoFeatures_API_OPAQUE {
			b.errorf(f, msg.Desc, "%s", opaqueAdvice)
		}
		if b.modelOpts == nil {
			b.modelOpts = map[*Model]*protoforgev1.ModelOptions{}
			b.fieldOpts = map[*Field]*protoforgev1.FieldOptions{}
		}
		b.modelOpts[m] = opts
		rr := msg.Desc.ReservedRanges()
		for i := 0; i < rr.Len(); i++ {
			for n := rr.Get(i)[0]; n < rr.Get(i)[1] && n-rr.Get(i)[0] < 1000; n++ {
				m.Reserved = append(m.Reserved, n)
			}
		}
		b.s.Models = append(b.s.Models, m)
		b.s.byName[msg.Desc.FullName()] = m
	}
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func validIdent(s string) bool { return identRE.MatchString(s) }

// columns classifies every field and checks the options that concern a
// single field.
func (b *builder) columns(m *Model) {
	if r := m.Desc.ExtensionRanges(); r.Len() > 0 {
		// Extensions are not fields of the message: no column holds them.
		b.errorf(m.File, m.Desc, "declares extensions %d to %d, and a model stores its fields only: the values of extensions would be lost on the way to the table; remove the extension range, and hold such values in fields (a message field is stored as JSON)", r.Get(0)[0], r.Get(0)[1]-1)
	}
	// The columns the message's fields take by their names or options: a
	// variable of the name is stored under another column when a field
	// takes its own (Cloud Run's Execution.job, the name of the job in
	// "…/jobs/{job}/executions/{execution}").
	taken := map[string]bool{}
	for _, pf := range m.Message.Fields {
		taken[strings.ToLower(string(pf.Desc.Name()))] = true
		if opts, _ := proto.GetExtension(pf.Desc.Options(), protoforgev1.E_Field).(*protoforgev1.FieldOptions); opts.GetColumn() != "" {
			taken[strings.ToLower(opts.GetColumn())] = true
		}
	}
	varColumn := func(v string, own *protogen.Field) string {
		if !taken[v] || own != nil && own.Desc.Name() == protoreflect.Name(v) {
			return v
		}
		c := "name_" + v
		for taken[c] {
			c += "_"
		}
		taken[c] = true
		return c
	}
	for _, pf := range m.Message.Fields {
		opts, _ := proto.GetExtension(pf.Desc.Options(), protoforgev1.E_Field).(*protoforgev1.FieldOptions)
		if opts == nil {
			opts = &protoforgev1.FieldOptions{}
		}
		f := &Field{Field: pf, Model: m, Column: opts.GetColumn()}
		b.fieldOpts[f] = opts
		m.Fields = append(m.Fields, f)
		var parents []*Field
		if p := b.namePatterns[m.Desc.FullName()]; p != "" && len(b.modelOpts[m].GetPrimaryKey()) == 1 && pf.Desc.Name() == protoreflect.Name(b.modelOpts[m].GetPrimaryKey()[0]) && f.Column == "" {
			// The name's columns hold the ids: "shelves/{shelf}/books/{book}"
			// → shelf (a column made for it) and book (the name field's).
			vars := ormrt.PatternVars(p)
			f.NamePattern = p
			f.Column = varColumn(vars[len(vars)-1], pf)
			m.Name = f
			for _, v := range vars[:len(vars)-1] {
				spf := *pf
				c := varColumn(v, nil)
				spf.GoName = camel(c)
				pc := &Field{Field: &spf, Model: m, Column: c, NamePattern: p, NameOf: f, Type: TypeString, PrimaryKey: true}
				keySize(pc)
				b.fieldOpts[pc] = &protoforgev1.FieldOptions{}
				parents = append(parents, pc)
			}
			f.NameParts = append(append(f.NameParts, parents...), f)
		}
		if f.Column == "" {
			f.Column = string(pf.Desc.Name())
		} else if !validIdent(f.Column) {
			b.errorf(m.File, pf.Desc, "(protoforge.v1.field).column %q is not a valid column name; use letters, digits and underscores, e.g. %q", f.Column, pf.Desc.Name())
		}
		if opts.GetIgnore() {
			f.Storage = StorageIgnored
			if opts.GetPrimaryKey() {
				b.errorf(m.File, pf.Desc, "(protoforge.v1.field).ignore and primary_key exclude each other; a key must be stored")
			}
			continue
		}
		b.classify(f, opts)
		b.fieldOptions(f, opts)
		if f.Storage == StorageColumn {
			m.Fields = append(m.Fields[:len(m.Fields)-1], append(parents, f)...)
			m.Columns = append(m.Columns, parents...)
			m.Columns = append(m.Columns, f)
		}
	}
}

var wrapperTypes = map[protoreflect.FullName]ColumnType{
	"google.protobuf.BoolValue":   TypeBool,
	"google.protobuf.Int32Value":  TypeInt32,
	"google.protobuf.Int64Value":  TypeInt64,
	"google.protobuf.UInt32Value": TypeUint32,
	"google.protobuf.UInt64Value": TypeUint64,
	"google.protobuf.FloatValue":  TypeFloat32,
	"google.protobuf.DoubleValue": TypeFloat64,
	"google.protobuf.StringValue": TypeString,
	"google.protobuf.BytesValue":  TypeBytes,
}

func isWrapper(name protoreflect.FullName) bool {
	_, ok := wrapperTypes[name]
	return ok
}

var scalarTypes = map[protoreflect.Kind]ColumnType{
	protoreflect.BoolKind:     TypeBool,
	protoreflect.Int32Kind:    TypeInt32,
	protoreflect.Sint32Kind:   TypeInt32,
	protoreflect.Sfixed32Kind: TypeInt32,
	protoreflect.Int64Kind:    TypeInt64,
	protoreflect.Sint64Kind:   TypeInt64,
	protoreflect.Sfixed64Kind: TypeInt64,
	protoreflect.Uint32Kind:   TypeUint32,
	protoreflect.Fixed32Kind:  TypeUint32,
	protoreflect.Uint64Kind:   TypeUint64,
	protoreflect.Fixed64Kind:  TypeUint64,
	protoreflect.FloatKind:    TypeFloat32,
	protoreflect.DoubleKind:   TypeFloat64,
	protoreflect.StringKind:   TypeString,
	protoreflect.BytesKind:    TypeBytes,
}

// classify decides the storage, type and presence of a stored field.
func (b *builder) classify(f *Field, opts *protoforgev1.FieldOptions) {
	d := f.Desc
	m := f.Model
	target := b.targetModel(f, opts)
	if oneof := f.Field.Oneof; oneof != nil && !oneof.Desc.IsSynthetic() {
		f.Oneof = oneof
		f.Presence = PresenceOneof
		if target != nil {
			b.errorf(m.File, d, "a oneof member cannot hold a model (%s is a model); move the field out of oneof %s", target.Desc.FullName(), oneof.Desc.Name())
			f.Storage = StorageIgnored
			return
		}
	} else if d.HasPresence() && d.Kind() != protoreflect.MessageKind && d.Kind() != protoreflect.GroupKind {
		f.Presence = PresenceOptional
	}
	switch {
	case d.IsMap():
		if vt := b.targetOf(d.MapValue()); vt != nil && !copied(f, opts) {
			b.errorf(m.File, d, "map values that are models are not supported (%s is a model); use a repeated field with a foreign key, or a message without (protoforge.v1.model)", vt.Desc.FullName())
			f.Storage = StorageIgnored
			return
		}
		f.Type = TypeJSON
	case d.IsList() && target != nil && !b.heldAsValues(m, target):
		f.Storage = StorageHasMany
		f.Target = target
	case d.IsList():
		f.Type = TypeJSON
	case target != nil:
		f.Storage = StorageBelongsTo
		f.Target = target
	case d.Kind() == protoreflect.EnumKind:
		f.Type = TypeEnumNumber
		if opts.GetEnumAsName() {
			f.Type = TypeEnumName
		}
	case d.Kind() == protoreflect.MessageKind || d.Kind() == protoreflect.GroupKind:
		if f.Presence != PresenceOneof {
			f.Presence = PresenceMessage
		}
		name := d.Message().FullName()
		switch {
		case name == "google.protobuf.Timestamp":
			f.Type = TypeTimestamp
			if opts.GetKeepNanos() {
				f.Type = TypeTimestampNanos
			}
		case name == "google.protobuf.Duration":
			f.Type = TypeDuration
			if opts.GetKeepNanos() {
				f.Type = TypeDurationNanos
			}
		case isWrapper(name):
			f.Type = wrapperTypes[name]
			if f.Presence != PresenceOneof {
				f.Presence = PresenceWrapper
			} else {
				// A wrapper inside a oneof keeps its message form.
				f.Type = TypeJSON
			}
		default:
			f.Type = TypeJSON
		}
	default:
		t, ok := scalarTypes[d.Kind()]
		if !ok {
			b.errorf(m.File, d, "kind %v is not supported; use a scalar, enum or message field", d.Kind())
			f.Storage = StorageIgnored
			return
		}
		f.Type = t
	}
}

// targetModel returns the model that a message-typed field holds, or nil.
func (b *builder) targetModel(f *Field, opts *protoforgev1.FieldOptions) *Model {
	if f.Desc.IsMap() || copied(f, opts) {
		return nil
	}
	return b.targetOf(f.Desc)
}

// copied tells whether f, a field of a resource inferred from its
// google.api.resource, holds a copy of the messages it names rather than
// an association: such an API refers to another resource by its name
// (AIP-122), and a field of another resource's message type (Cloud KMS's
// CryptoKey.primary, a CryptoKeyVersion) is a snapshot stored as JSON like
// any other message. A foreign_key or references option still makes it an
// association.
func copied(f *Field, opts *protoforgev1.FieldOptions) bool {
	return f.Model.Inferred && opts.GetForeignKey() == "" && opts.GetReferences() == ""
}

func (b *builder) targetOf(d protoreflect.FieldDescriptor) *Model {
	if d.Message() == nil {
		return nil
	}
	return b.s.byName[d.Message().FullName()]
}

// fieldOptions checks the options that a single field can get wrong.
func (b *builder) fieldOptions(f *Field, opts *protoforgev1.FieldOptions) {
	m, d := f.Model, f.Desc
	bad := func(format string, args ...any) { b.errorf(m.File, d, format, args...) }
	kind := kindName(d)
	if opts.GetPrimaryKey() {
		switch {
		case d.IsMap():
			bad("(protoforge.v1.field).primary_key is not allowed on a map field; keys are single scalar, enum or string fields")
		case d.IsList():
			bad("(protoforge.v1.field).primary_key is not allowed on a repeated field; keys are single scalar, enum or string fields")
		case f.Storage != StorageColumn || f.Presence == PresenceMessage || f.Presence == PresenceWrapper:
			bad("(protoforge.v1.field).primary_key is not allowed on a message field; keys are single scalar, enum or string fields")
		case f.Presence != PresenceNone && d.ContainingOneof() != nil && !d.ContainingOneof().IsSynthetic():
			bad("(protoforge.v1.field).primary_key is not allowed on a member of oneof %s: a key column cannot be NULL; move the key out of the oneof", d.ContainingOneof().Name())
		case f.Presence != PresenceNone && d.Syntax() == protoreflect.Proto2:
			bad("(protoforge.v1.field).primary_key is not allowed on a field with presence, as every singular field of proto2 has (required too), and a key column cannot be NULL; declare the model in proto3, or in an edition with [features.field_presence = IMPLICIT] on the key")
		case f.Presence != PresenceNone && d.Syntax() == protoreflect.Editions:
			bad("(protoforge.v1.field).primary_key is not allowed on a field with explicit presence (the default of editions), and a key column cannot be NULL; add [features.field_presence = IMPLICIT]")
		case f.Presence != PresenceNone:
			bad("(protoforge.v1.field).primary_key is not allowed on a field with presence (optional or oneof); remove `optional`")
		case !f.Type.Indexable() || f.Type == TypeFloat32 || f.Type == TypeFloat64:
			bad("(protoforge.v1.field).primary_key is not allowed on a %s field; use an integer or string key", kind)
		default:
			f.PrimaryKey = true
		}
	}
	if opts.GetSize() > 0 {
		if f.Storage != StorageColumn || f.Type != TypeString {
			bad("(protoforge.v1.field).size is only allowed on string fields, not %s; remove it", kind)
		} else {
			f.Size = int(opts.GetSize())
		}
	}
	if (opts.GetUnique() || opts.GetIndex()) && (f.Storage != StorageColumn || !f.Type.Indexable()) {
		opt := "unique"
		if !opts.GetUnique() {
			opt = "index"
		}
		bad("(protoforge.v1.field).%s is not allowed on a %s field, which is stored as %s; index a scalar field instead", opt, kind, storageName(f))
	}
	if opts.GetEnumAsName() && d.Kind() != protoreflect.EnumKind {
		bad("(protoforge.v1.field).enum_as_name is only allowed on enum fields, not %s; remove it", kind)
	}
	if opts.GetEnumAsName() && f.Storage == StorageColumn && f.Type == TypeJSON {
		bad("(protoforge.v1.field).enum_as_name is only allowed on singular enum fields; repeated enums are stored as JSON with names already")
	}
	if opts.GetKeepNanos() && f.Type != TypeTimestampNanos && f.Type != TypeDurationNanos {
		bad("(protoforge.v1.field).keep_nanos is only allowed on google.protobuf.Timestamp and Duration fields, not %s; remove it", kind)
	}
	if opts.AutoIncrement != nil && !opts.GetPrimaryKey() && d.Name() != "id" {
		bad("(protoforge.v1.field).auto_increment is only allowed on a primary key; remove it or add primary_key: true")
	}
	if opts.GetForeignKey() != "" && f.Storage != StorageBelongsTo && f.Storage != StorageHasMany {
		bad("(protoforge.v1.field).foreign_key is only allowed on fields that hold another model; use references: \"Model\" on a key column instead")
	}
	if (opts.GetOnDelete() != 0 || opts.GetOnUpdate() != 0) && opts.GetReferences() == "" && f.Storage != StorageBelongsTo {
		bad("(protoforge.v1.field).on_delete and on_update need a foreign key; add references: \"Model\"")
	}
	if opts.GetReferences() != "" && f.Storage != StorageColumn {
		bad("(protoforge.v1.field).references is only allowed on scalar key columns, not on a %s field; put it on the foreign key field, e.g. author_id", kind)
	}
	f.OnDelete = actionSQL(opts.GetOnDelete())
	f.OnUpdate = actionSQL(opts.GetOnUpdate())
	for _, a := range []protoforgev1.ReferentialAction{opts.GetOnDelete(), opts.GetOnUpdate()} {
		if a == protoforgev1.ReferentialAction_SET_NULL && f.Storage == StorageColumn && !f.Nullable() {
			bad("SET_NULL needs a nullable column, and this field has no presence; declare it `optional`")
		}
	}
	f.Default = opts.GetDefault()
	f.NoCheck = opts.GetNoCheck()
	if c := opts.GetMysqlCollation(); c != "" {
		switch {
		case f.Storage != StorageColumn || f.Type != TypeString:
			bad("(protoforge.v1.field).mysql_collation applies to string columns, not to a %s field; remove it", kind)
		case !collationRE.MatchString(c):
			bad("(protoforge.v1.field).mysql_collation %q is not a collation name; write one such as \"utf8mb4_unicode_ci\"", c)
		case !strings.HasPrefix(c, "utf8mb4_"):
			bad("(protoforge.v1.field).mysql_collation %q is not a utf8mb4 collation, and tables are utf8mb4; use one such as \"utf8mb4_unicode_ci\"", c)
		default:
			f.MySQLCollation = c
		}
	}
	if c := opts.GetPostgresCollation(); c != "" {
		switch {
		case f.Storage != StorageColumn || f.Type != TypeString:
			bad("(protoforge.v1.field).postgres_collation applies to string columns, not to a %s field; remove it", kind)
		case !pgCollationRE.MatchString(c):
			bad("(protoforge.v1.field).postgres_collation %q is not a collation name; write one such as \"und-x-icu\"", c)
		default:
			f.PostgresCollation = c
		}
	}
	if opts.GetTenant() {
		switch {
		case f.Storage == StorageColumn && f.Presence != PresenceNone:
			bad("(protoforge.v1.field).tenant needs a field without presence (every row has a tenant); remove `optional`")
		case f.Storage != StorageColumn || !(f.Type == TypeString || f.Type == TypeInt32 || f.Type == TypeInt64):
			bad("(protoforge.v1.field).tenant needs a string, int32 or int64 field, not %s", kind)
		case m.Tenant != nil:
			bad("(protoforge.v1.field).tenant is also set on %s; a model has one tenant field", m.Tenant.Desc.Name())
		default:
			m.Tenant = f
		}
	}
	if f.Default != "" {
		if _, err := ParseDefault(f); err != nil {
			b.errs = append(b.errs, &posError{file: m.File.Desc.Path(), line: b.line(m.File, d), msg: err.Error()})
		}
	}
	f.Rules = readRules(d)
	if noValue(f) {
		bad("its rules let no %s value through (%s): fix the rules", f.Type, f.Rules.bounds())
	}
	if r := f.Rules; r.MinLen != nil && r.MaxLen != nil && *r.MinLen > *r.MaxLen {
		bad("its rules ask for at least %d and at most %d characters: no value is valid; fix the rules", *r.MinLen, *r.MaxLen)
	} else if f.Type == TypeString && f.Size > 0 && f.Rules.MinLen != nil && *f.Rules.MinLen > uint64(f.Size) {
		bad("its rules ask for at least %d characters and its column holds at most %d ((protoforge.v1.field).size): no valid value fits; raise the size or lower the rule", *f.Rules.MinLen, f.Size)
	}
	// A max_len rule bounds the column as a size would, up to the longest
	// VARCHAR every dialect indexes well; beyond that the column stays TEXT.
	if f.Size == 0 && f.Type == TypeString && f.Rules.MaxLen != nil && *f.Rules.MaxLen > 0 && *f.Rules.MaxLen <= maxVarchar {
		f.Size = int(*f.Rules.MaxLen)
	}
}

// maxVarchar is the longest VARCHAR(n) derived from a max_len rule: MySQL's
// utf8mb4 rows hold at most 16383 characters in one VARCHAR.
const maxVarchar = 16383

func actionSQL(a protoforgev1.ReferentialAction) string {
	if a == protoforgev1.ReferentialAction_REFERENTIAL_ACTION_UNSPECIFIED {
		return ""
	}
	return strings.ReplaceAll(a.String(), "_", " ")
}

// kindName spells a field's proto type for messages.
func kindName(d protoreflect.FieldDescriptor) string {
	switch {
	case d.IsMap():
		return "map"
	case d.IsList():
		return "repeated " + singularKind(d)
	}
	return singularKind(d)
}

func singularKind(d protoreflect.FieldDescriptor) string {
	switch d.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return string(d.Message().FullName())
	case protoreflect.EnumKind:
		return string(d.Enum().FullName())
	}
	return d.Kind().String()
}

func storageName(f *Field) string {
	switch f.Storage {
	case StorageBelongsTo, StorageHasMany:
		return "an association"
	case StorageIgnored:
		return "nothing"
	}
	return f.Type.SQL(Postgres, 0) + " on PostgreSQL"
}

// key finds the primary key.
func (b *builder) key(m *Model) {
	opts := b.modelOpts[m]
	var marked []*Field
	for _, f := range m.Fields {
		if f.PrimaryKey {
			marked = append(marked, f)
		}
	}
	if names := opts.GetPrimaryKey(); len(names) > 0 {
		for _, f := range marked {
			f.PrimaryKey = false
		}
		for i, name := range names {
			f := fieldByName(m, name)
			switch {
			case f == nil:
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).primary_key[%d] names unknown field %q; %s", i, name, unknownFieldFix(m, name, fmt.Sprintf("use proto field names of %s", m.Desc.Name())))
				continue
			case f.Storage != StorageColumn || !f.Type.Indexable() || f.Presence != PresenceNone || f.Type == TypeFloat32 || f.Type == TypeFloat64:
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).primary_key[%d] names field %q, which cannot be a key; keys are single scalar, enum or string fields without presence", i, name)
				continue
			case f.PrimaryKey:
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).primary_key names field %q twice", name)
				continue
			}
			f.PrimaryKey = true
			if len(f.NameParts) > 0 {
				for _, p := range f.NameParts {
					p.PrimaryKey = true
					if n := len(f.NameParts); n > 3 && (p.Size == 0 || p.Size > maxKeyBytes/4/n) {
						// MySQL's InnoDB keys hold 3072 bytes, 4 per character.
						p.Size = maxKeyBytes / 4 / n
					}
				}
				m.PrimaryKey = append(m.PrimaryKey, f.NameParts...)
				continue
			}
			m.PrimaryKey = append(m.PrimaryKey, f)
		}
		return
	}
	switch len(marked) {
	case 0:
		if f := fieldByName(m, "id"); f != nil && f.Storage == StorageColumn && f.Presence == PresenceNone && f.Type.Indexable() && f.Type != TypeFloat32 && f.Type != TypeFloat64 {
			f.PrimaryKey = true
			m.PrimaryKey = []*Field{f}
		} else {
			if f != nil && f.Storage == StorageColumn && f.Presence == PresenceOptional && m.File.Desc.Syntax() == protoreflect.Proto2 {
				// Every singular field of proto2 has presence.
				b.errorf(m.File, f.Desc, "field id has presence, as every singular field of proto2 has, and a key column cannot be NULL; declare the model in proto3 or in an edition, with `int64 id = 1;` (proto3) or `int64 id = 1 [features.field_presence = IMPLICIT];`")
				return
			}
			if f != nil && f.Storage == StorageColumn && f.Presence == PresenceOptional && !f.Desc.HasOptionalKeyword() {
				// Editions give singular fields explicit presence by default.
				b.errorf(m.File, f.Desc, "field id has explicit presence (the default of editions), and a key column cannot be NULL; declare it `int64 id = 1 [features.field_presence = IMPLICIT];`")
				return
			}
			if f != nil && f.Storage == StorageColumn && !f.Desc.IsList() && !f.Desc.IsMap() && f.Desc.Message() == nil && (!f.Type.Indexable() || f.Type == TypeFloat32 || f.Type == TypeFloat64) {
				b.errorf(m.File, f.Desc, "field id is %s, which cannot be a key (keys are single scalar, enum or string fields); declare it `int64 id = %d;` or `string id = %d;`, or mark another field with [(protoforge.v1.field) = {primary_key: true}]", kindName(f.Desc), f.Desc.Number(), f.Desc.Number())
				return
			}
			b.errorf(m.File, m.Desc, "model has no primary key; mark a field with [(protoforge.v1.field) = {primary_key: true}] or add a field `int64 id`")
			return
		}
	case 1:
		m.PrimaryKey = marked
	default:
		var names []string
		for _, f := range marked {
			names = append(names, fmt.Sprintf("%q", f.Desc.Name()))
		}
		b.errorf(m.File, m.Desc, "fields %s are all marked primary_key; declare a composite key with option (protoforge.v1.model) = {primary_key: [%s]}", strings.Join(names, ", "), strings.Join(names, ", "))
		return
	}
	if len(m.PrimaryKey) == 1 {
		k := m.PrimaryKey[0]
		auto := b.fieldOpts[k].AutoIncrement
		switch {
		case auto == nil:
			m.AutoIncrement = k.Type.Integer()
		case *auto && !k.Type.Integer():
			b.errorf(m.File, k.Desc, "(protoforge.v1.field).auto_increment needs an int32 or int64 key, not %s; remove it", kindName(k.Desc))
		default:
			m.AutoIncrement = *auto
		}
	}
}

var collationRE = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// pgCollationRE matches the names of PostgreSQL collations ("C",
// "en_US.utf8", "und-x-icu"), which the schema quotes.
var pgCollationRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$`)

// maxKeyBytes is the longest key InnoDB indexes (MySQL, MariaDB).
const maxKeyBytes = 3072

func fieldByName(m *Model, name string) *Field {
	for _, f := range m.Fields {
		if string(f.Desc.Name()) == name && !f.Synthetic() {
			return f
		}
	}
	return nil
}

// unknownFieldFix tells how to name the field of m that name, which names
// none, most likely means: one whose proto name differs from it only in
// case ("Title" for title) or whose JSON name it is ("displayName" for
// display_name); else it is fix.
func unknownFieldFix(m *Model, name, fix string) string {
	for _, f := range m.Fields {
		if !f.Synthetic() && (strings.EqualFold(string(f.Desc.Name()), name) || strings.EqualFold(f.Desc.JSONName(), name)) {
			return fmt.Sprintf("write the proto field name %q", f.Desc.Name())
		}
	}
	return fix
}

// resolve finds a model by the name written in an option: relative to the
// package of from, or fully qualified.
func (b *builder) resolve(from *Model, name string) *Model {
	name = strings.TrimPrefix(name, ".")
	if m := b.s.byName[protoreflect.FullName(name)]; m != nil {
		return m
	}
	return b.s.byName[from.Desc.ParentFile().Package().Append(protoreflect.Name(name))]
}

// references resolves the references option of every column.
func (b *builder) references(m *Model) {
	for _, f := range m.Columns {
		ref := b.fieldOpts[f].GetReferences()
		if ref == "" {
			continue
		}
		target := b.resolve(m, ref)
		if target == nil {
			b.errorf(m.File, f.Desc, "(protoforge.v1.field).references names unknown model %q; name a message with option (protoforge.v1.model), e.g. references: %q", ref, modelLike(b.s, m, ref))
			continue
		}
		if b.keyCompatible(f, target, fmt.Sprintf("(protoforge.v1.field).references %q", ref)) {
			f.References = target
		}
	}
}

// keyCompatible checks that column f can hold the key of target.
func (b *builder) keyCompatible(f *Field, target *Model, what string) bool {
	switch len(target.PrimaryKey) {
	case 0:
		return false // reported on the target
	case 1:
	default:
		b.errorf(f.Model.File, f.Desc, "%s points to %s, which has a composite key; references need a single-column key", what, target.Desc.FullName())
		return false
	}
	k := target.PrimaryKey[0]
	if k.Type != f.Type || (k.Type == TypeEnumNumber && k.Desc.Enum() != f.Desc.Enum()) {
		b.errorf(f.Model.File, f.Desc, "%s has key %s of type %s, but this field is %s; declare it %s", what, k.Desc.FullName(), kindName(k.Desc), kindName(f.Desc), kindName(k.Desc))
		return false
	}
	return true
}

// modelLike names the model of m's package that ref, an unknown name,
// most likely means: one whose name differs from ref's only in case
// ("author" for Author), else another model of the package.
func modelLike(s *Schema, m *Model, ref string) string {
	short := ref[strings.LastIndex(ref, ".")+1:]
	for _, o := range s.Models {
		if o.Desc.ParentFile().Package() == m.Desc.ParentFile().Package() && strings.EqualFold(string(o.Desc.Name()), short) {
			return string(o.Desc.Name())
		}
	}
	return someModelName(s, m)
}

func someModelName(s *Schema, not *Model) string {
	for _, m := range s.Models {
		if m != not && m.Desc.ParentFile().Package() == not.Desc.ParentFile().Package() {
			return string(m.Desc.Name())
		}
	}
	return "Author"
}

// associations resolves the foreign keys of fields that hold models.
func (b *builder) associations(m *Model, kind Storage) {
	for _, f := range m.Fields {
		if f.Storage != kind {
			continue
		}
		if kind == StorageBelongsTo {
			b.belongsTo(f)
		} else {
			b.hasMany(f)
		}
	}
	if kind == StorageHasMany {
		for _, f := range m.Fields {
			if f.ForeignKey != nil {
				m.Associations = append(m.Associations, f)
			}
		}
	}
}

func (b *builder) belongsTo(f *Field) {
	m := f.Model
	if b.otherPackage(f) {
		return
	}
	name := b.fieldOpts[f].GetForeignKey()
	if name == "" {
		name = string(f.Desc.Name()) + "_id"
	}
	fk := fieldByName(m, name)
	if fk == nil || fk.Storage != StorageColumn {
		b.errorf(m.File, f.Desc, "holds model %s but %s has no key column %q; add a field for the key (e.g. `%s %s = N;`) or name one with (protoforge.v1.field).foreign_key", f.Target.Desc.FullName(), m.Desc.Name(), name, keyKind(f.Target), name)
		return
	}
	if fk.References != nil && fk.References != f.Target {
		b.errorf(m.File, f.Desc, "holds model %s but its foreign key %s references %s; make them agree", f.Target.Desc.FullName(), fk.Desc.Name(), fk.References.Desc.FullName())
		return
	}
	if !b.keyCompatible(fk, f.Target, fmt.Sprintf("foreign key of %s", f.Desc.Name())) {
		return
	}
	fk.References = f.Target
	keySize(fk)
	if o := b.fieldOpts[f]; o.GetOnDelete() != 0 || o.GetOnUpdate() != 0 {
		fk.OnDelete, fk.OnUpdate = actionSQL(o.GetOnDelete()), actionSQL(o.GetOnUpdate())
	}
	f.ForeignKey = fk
}

// otherPackage reports, as an error, an association field f whose model
// is in another Go package than f's: each package's schema is written on
// its own, so its foreign key could not be declared.
func (b *builder) otherPackage(f *Field) bool {
	m, t := f.Model, f.Target
	if t.File.GoImportPath == m.File.GoImportPath {
		return false
	}
	b.errorf(m.File, f.Desc, "holds model %s, whose table is in another Go package (%s); each package's schema is written on its own, so an association must stay in the package: keep its key as a plain column and drop this field, or declare %s in the package of %s", t.Desc.FullName(), t.File.GoImportPath, m.Desc.Name(), t.Desc.Name())
	return true
}

func keyKind(m *Model) string {
	if len(m.PrimaryKey) == 1 {
		return kindName(m.PrimaryKey[0].Desc)
	}
	return "int64"
}

func (b *builder) hasMany(f *Field) {
	m, t := f.Model, f.Target
	if b.otherPackage(f) {
		return
	}
	if len(m.PrimaryKey) != 1 {
		if len(m.PrimaryKey) > 1 {
			b.errorf(m.File, f.Desc, "holds many %s, but %s has a composite key; has-many needs a single-column key", t.Desc.FullName(), m.Desc.Name())
		}
		return
	}
	if name := b.fieldOpts[f].GetForeignKey(); name != "" {
		fk := fieldByName(t, name)
		if fk == nil || fk.Storage != StorageColumn {
			b.errorf(m.File, f.Desc, "(protoforge.v1.field).foreign_key names %q, which is not a column of %s; name a field of %s that holds the key of %s", name, t.Desc.FullName(), t.Desc.Name(), m.Desc.Name())
			return
		}
		if fk.References != nil && fk.References != m {
			b.errorf(m.File, f.Desc, "(protoforge.v1.field).foreign_key names %s.%s, which references %s, not %s", t.Desc.Name(), name, fk.References.Desc.FullName(), m.Desc.FullName())
			return
		}
		if !b.keyCompatible(fk, m, fmt.Sprintf("foreign key %s.%s", t.Desc.Name(), name)) {
			return
		}
		fk.References = m
		keySize(fk) // a string foreign key is a bounded VARCHAR, as the key it holds
		f.ForeignKey = fk
		return
	}
	var found []*Field
	for _, c := range t.Columns {
		if c.References == m {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		b.errorf(m.File, f.Desc, "holds many %s, but no field of %s references %s; add [(protoforge.v1.field) = {references: %q}] to the key field there (e.g. %s_id)", t.Desc.FullName(), t.Desc.Name(), m.Desc.Name(), m.Desc.Name(), strings.ToLower(string(m.Desc.Name())))
	case 1:
		f.ForeignKey = found[0]
	default:
		b.errorf(m.File, f.Desc, "holds many %s, and fields %s and %s of it both reference %s; name one with (protoforge.v1.field).foreign_key", t.Desc.FullName(), found[0].Desc.Name(), found[1].Desc.Name(), m.Desc.Name())
	}
}

// softDelete finds the delete_time column of soft-deleted models: those
// with the soft_delete option, and those with an AIP-164 delete_time.
func (b *builder) softDelete(m *Model) {
	f := fieldByName(m, "delete_time")
	if !b.modelOpts[m].GetSoftDelete() {
		// AIP-164: a delete_time Timestamp makes the model soft-deleted
		// without the option.
		if f != nil && f.Storage == StorageColumn && f.Type == TypeTimestamp && f.Presence == PresenceMessage {
			m.SoftDelete = f
		}
		return
	}
	if f == nil || f.Storage != StorageColumn || f.Type != TypeTimestamp || f.Presence != PresenceMessage {
		b.errorf(m.File, m.Desc, "(protoforge.v1.model).soft_delete needs a field `google.protobuf.Timestamp delete_time` (AIP-164) stored with microseconds; add it")
		return
	}
	m.SoftDelete = f
}

// indexes collects single-column and declared indexes and names them.
func (b *builder) indexes(m *Model) {
	for _, f := range m.Columns {
		o := b.fieldOpts[f]
		if (o.GetUnique() || o.GetIndex()) && f.Type.Indexable() {
			m.Indexes = append(m.Indexes, &Index{Columns: []*Field{f}, Unique: o.GetUnique()})
		}
	}
	for i, ix := range b.modelOpts[m].GetIndexes() {
		if len(ix.GetFields()) == 0 {
			b.errorf(m.File, m.Desc, "(protoforge.v1.model).indexes[%d] has no fields; list proto field names, e.g. fields: [%q]", i, firstColumnName(m))
			continue
		}
		idx := &Index{Name: ix.GetName(), Unique: ix.GetUnique()}
		ok := true
		for _, part := range ix.GetFields() {
			name, desc, okPart := indexPart(part)
			if !okPart {
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).indexes[%d] part %q: want a proto field name, optionally followed by \" desc\", e.g. %q", i, part, firstColumnName(m)+" desc")
				ok = false
				continue
			}
			f := fieldByName(m, name)
			switch {
			case f == nil:
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).indexes[%d] names unknown field %q; %s", i, name, unknownFieldFix(m, name, fmt.Sprintf("use a proto field name of %s, e.g. %q", m.Desc.Name(), firstColumnName(m))))
				ok = false
			case slices.Contains(idx.Columns, f):
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).indexes[%d] names field %q twice", i, name)
				ok = false
			case f.Storage != StorageColumn || !f.Type.Indexable():
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).indexes[%d] names field %q, which is stored as %s and cannot be indexed; index scalar fields", i, name, storageName(f))
				ok = false
			default:
				idx.Columns = append(idx.Columns, f)
				idx.Desc = append(idx.Desc, desc)
			}
		}
		if !slices.Contains(idx.Desc, true) {
			idx.Desc = nil
		}
		if idx.Name != "" && !validIdent(idx.Name) {
			b.errorf(m.File, m.Desc, "(protoforge.v1.model).indexes[%d].name %q is not a valid index name; use letters, digits and underscores", i, idx.Name)
			ok = false
		}
		if ok {
			m.Indexes = append(m.Indexes, idx)
		}
	}
	// Foreign key columns get an index unless one starts with them: cascades
	// and joins need it, and MySQL would otherwise create one implicitly that
	// migrations cannot see. So does the tenant column, which every query
	// of a tenant's service filters on.
	for _, f := range m.Columns {
		if (f.References == nil && f != m.Tenant) || (len(m.PrimaryKey) > 0 && m.PrimaryKey[0] == f) {
			continue
		}
		covered := false
		for _, ix := range m.Indexes {
			if len(ix.Columns) > 0 && ix.Columns[0] == f {
				covered = true
			}
		}
		if !covered {
			m.Indexes = append(m.Indexes, &Index{Columns: []*Field{f}})
		}
	}
	for _, f := range m.Columns {
		if len(f.RefParts) > 0 {
			m.Indexes = append(m.Indexes, &Index{Columns: f.RefParts})
		}
	}
	for _, l := range m.Parents {
		// The foreign key to each parent type, which no prefix of the
		// key serves.
		m.Indexes = append(m.Indexes, &Index{Columns: l.ForeignKey()})
	}
	b.orders(m)
	for _, idx := range m.Indexes {
		if idx.Name == "" {
			idx.Name = indexName(m.Table, idx)
		}
		for _, f := range idx.Columns {
			keySize(f)
		}
	}
	for _, f := range m.PrimaryKey {
		keySize(f)
	}
}

// indexPart splits an index part, "title" or "title desc".
func indexPart(part string) (name string, desc, ok bool) {
	words := strings.Fields(part)
	switch {
	case len(words) == 1:
		return words[0], false, true
	case len(words) == 2 && (words[1] == "desc" || words[1] == "asc"):
		return words[0], words[1] == "desc", true
	}
	return "", false, false
}

// orders reads (protoforge.v1.model).order_by: each order's terms must
// be stored fields List may order by, and each gets an index unless one
// (or the key) already serves it.
func (b *builder) orders(m *Model) {
	for i, text := range b.modelOpts[m].GetOrderBy() {
		o := &Order{}
		seen := map[*Field]bool{}
		var terms []string
		ok := true
		for _, raw := range strings.Split(text, ",") {
			name, desc, okTerm := indexPart(raw)
			f := fieldByName(m, name)
			switch {
			case !okTerm:
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).order_by[%d] %q: term %q: want a proto field name, optionally followed by \" desc\" (AIP-132)", i, text, strings.TrimSpace(raw))
			case f == nil:
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).order_by[%d] %q names unknown field %q; %s", i, text, name, unknownFieldFix(m, name, fmt.Sprintf("use a proto field name of %s", m.Desc.Name())))
			case f.Storage != StorageColumn || !orderable(f) || f.Nullable() || (m.Name == f && len(f.NameParts) > 1):
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).order_by[%d] %q names field %q, which List cannot order by; order by stored scalar, string, enum or Timestamp fields without presence", i, text, name)
			case seen[f]:
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).order_by[%d] %q names field %q twice", i, text, name)
			default:
				seen[f] = true
				o.Columns = append(o.Columns, f)
				o.Desc = append(o.Desc, desc)
				if desc {
					name += " desc"
				}
				terms = append(terms, name)
				continue
			}
			ok = false
		}
		if !ok {
			continue
		}
		o.Text = strings.Join(terms, ", ")
		for _, k := range m.PrimaryKey {
			if !seen[k] {
				o.Columns = append(o.Columns, k)
				o.Desc = append(o.Desc, false)
			}
		}
		for _, prev := range m.Orders {
			if prev.Text == o.Text {
				b.errorf(m.File, m.Desc, "(protoforge.v1.model).order_by[%d] %q is offered twice", i, text)
				ok = false
			}
		}
		if !ok {
			continue
		}
		m.Orders = append(m.Orders, o)
		if !o.served(m) {
			ix := &Index{Columns: o.Columns, Desc: o.Desc}
			if !slices.Contains(ix.Desc, true) {
				ix.Desc = nil
			}
			m.Indexes = append(m.Indexes, ix)
		}
	}
}

// served reports whether the key or an index of m begins with the
// order's columns, in its directions or all of them reversed (an index
// read backwards); a unique index needs only to begin the order.
func (o *Order) served(m *Model) bool {
	cands := append([]*Index{{Columns: m.PrimaryKey, Unique: true}}, m.Indexes...)
	for _, ix := range cands {
		n := len(o.Columns)
		if ix.Unique && len(ix.Columns) < n {
			// Rows are distinct on a unique index's columns: what
			// follows them never decides.
			n = len(ix.Columns)
		}
		if len(ix.Columns) < n {
			continue
		}
		same, reversed := true, true
		for i, c := range o.Columns[:n] {
			if ix.Columns[i] != c {
				same, reversed = false, false
				break
			}
			if ix.IsDesc(i) == o.Desc[i] {
				reversed = false
			} else {
				same = false
			}
		}
		if same || reversed {
			return true
		}
	}
	return false
}

// mysqlMaxRow is MySQL's limit on a row, in bytes, TEXT, BLOB and JSON
// columns counting only their 12 bytes in the row.
const mysqlMaxRow = 65535

// rowSize refuses a model whose columns MySQL could not fit in one row
// (error 1118 when the schema is applied), naming its widest VARCHAR.
// Bytes as MySQL counts them: a VARCHAR 4 a character and its length
// (1 or 2 bytes), TEXT, BLOB and JSON 12, numbers and times their width,
// and a bit per nullable column.
func (b *builder) rowSize(m *Model) {
	total, nullable := 0, 0
	var widest *Field
	for _, f := range m.Columns {
		if f.Nullable() {
			nullable++
		}
		switch {
		case f.Type == TypeString && f.Size > 0 || f.Type == TypeEnumName:
			n := f.Size
			if f.Type == TypeEnumName {
				n = enumNameSize
			}
			total += 4 * n
			if 4*n > 255 {
				total += 2
			} else {
				total++
			}
			if f.Type == TypeString && (widest == nil || f.Size > widest.Size) {
				widest = f
			}
		case f.Type == TypeBool:
			total++
		case f.Type == TypeInt32 || f.Type == TypeEnumNumber || f.Type == TypeUint32:
			total += 4
		case f.Type == TypeString || f.Type == TypeBytes || f.Type == TypeJSON:
			total += 12
		default: // 64-bit numbers, DOUBLE, DATETIME(6)
			total += 8
		}
	}
	total += (nullable + 7) / 8
	if total > mysqlMaxRow && widest != nil {
		b.errorf(m.File, widest.Desc, "the columns of table %q take %d bytes of a MySQL row, over its %d (a VARCHAR 4 bytes a character in utf8mb4); this one holds %d characters: lower its size or max_len, or let it be TEXT (no size, a max_len over %d, not a key nor indexed)", m.Table, total, mysqlMaxRow, widest.Size, maxVarchar)
	}
}

// mysqlMaxKey is InnoDB's limit on the bytes of an index's columns, on
// MySQL 8 and MariaDB alike (error 1071).
const mysqlMaxKey = 3072

// keyLengths refuses a primary key or index whose columns take more bytes
// than a MySQL/MariaDB key holds (error 1071 when the schema is applied):
// a VARCHAR 4 bytes a character in utf8mb4, a VARBINARY a byte, numbers
// and times their width.
func (b *builder) keyLengths(m *Model) {
	check := func(what string, columns []*Field) {
		total := 0
		var parts []string
		for _, f := range columns {
			n := 8
			switch f.Type {
			case TypeString:
				n = 4 * f.Size
			case TypeEnumName:
				n = 4 * enumNameSize
			case TypeBytes:
				n = f.Size
			case TypeBool:
				n = 1
			case TypeInt32, TypeUint32, TypeEnumNumber, TypeFloat32:
				n = 4
			}
			total += n
			parts = append(parts, fmt.Sprintf("%s %d bytes", f.Desc.Name(), n))
		}
		if total > mysqlMaxKey {
			b.errorf(m.File, m.Desc, "%s of table %q: its columns take %d bytes of a MySQL/MariaDB key, over its %d (%s; a VARCHAR takes 4 bytes a character in utf8mb4): lower their size or max_len, or index fewer fields", what, m.Table, total, mysqlMaxKey, strings.Join(parts, ", "))
		}
	}
	check("the primary key", m.PrimaryKey)
	for _, ix := range m.Indexes {
		check("index "+ix.Name, ix.Columns)
	}
}

// keySize bounds strings that are keys or indexed (see DefaultKeySize).
func keySize(f *Field) {
	if f.Type == TypeString && f.Size == 0 {
		f.Size = DefaultKeySize
	}
}

func firstColumnName(m *Model) string {
	for _, f := range m.Columns {
		if !f.PrimaryKey {
			return string(f.Desc.Name())
		}
	}
	return "id"
}

// maxIdent is the longest identifier every dialect accepts (PostgreSQL: 63).
const maxIdent = 63

// indexName is `idx_<table>_<columns>` (`uniq_` for unique indexes),
// shortened with a hash when longer than every dialect accepts.
func indexName(table string, idx *Index) string {
	prefix := "idx_"
	if idx.Unique {
		prefix = "uniq_"
	}
	parts := []string{table}
	for i, c := range idx.Columns {
		parts = append(parts, c.Column)
		if idx.IsDesc(i) {
			parts = append(parts, "desc")
		}
	}
	return identifier(prefix + strings.Join(parts, "_"))
}

// reserved are the Go names of the generated model's methods.
var reserved = map[string]bool{"TableName": true, "ToProto": true, "BeforeSave": true, "PreloadAssociations": true}

// names checks that columns, indexes and Go names do not collide.
func (b *builder) names(m *Model) {
	if other := b.s.byName[m.Desc.ParentFile().Package().Append(protoreflect.Name(m.Ident.GoName))]; other != nil || messageNamed(m.File, m.Ident.GoName) {
		b.errorf(m.File, m.Desc, "the generated model %s collides with a message of that name; rename the message", m.Ident.GoName)
	} else if what := b.goDeclared(m.File.GoImportPath, m.Ident.GoName); what != "" {
		b.errorf(m.File, m.Desc, "the generated model %s collides with the %s of that name in Go package %s; rename one of them", m.Ident.GoName, what, m.File.GoImportPath)
	}
	if len(m.Table) > maxIdent {
		b.errorf(m.File, m.Desc, "its table name %q is %d bytes, past the %d that PostgreSQL keeps (it would cut it) and MySQL accepts; set a shorter (protoforge.v1.model).table", m.Table, len(m.Table), maxIdent)
	}
	seen := map[string]*Field{}
	for _, f := range m.Columns {
		if len(f.Column) > maxIdent {
			b.errorf(m.File, f.Desc, "its column name %q is %d bytes, past the %d that PostgreSQL keeps (it would cut it) and MySQL accepts; set a shorter (protoforge.v1.field).column", f.Column, len(f.Column), maxIdent)
		}
		key := strings.ToLower(f.Column)
		if prev := seen[key]; prev != nil {
			if f.Synthetic() || prev.Synthetic() {
				b.errorf(m.File, f.Desc, "column %q, which holds a variable of a resource name, is also used by field %s; rename that field or set (protoforge.v1.field).column", f.Column, prev.Desc.FullName())
				continue
			}
			b.errorf(m.File, f.Desc, "column %q is also used by field %s; set a different (protoforge.v1.field).column", f.Column, prev.Desc.FullName())
			continue
		}
		seen[key] = f
	}
	goNames := map[string]*Field{}
	for _, f := range m.Fields {
		if prev := goNames[f.GoName]; prev != nil && (f.Synthetic() || prev.Synthetic()) {
			b.errorf(m.File, f.Desc, "the Go field %s of column %q, which holds a variable of a resource name, is also the Go name of field %s; rename that field", f.GoName, f.Column, prev.Desc.FullName())
		}
		goNames[f.GoName] = f
	}
	for _, f := range m.Fields {
		if reserved[f.GoName] && f.Storage != StorageIgnored {
			b.errorf(m.File, f.Desc, "its Go name %s collides with a method of the generated %s; rename the field", f.GoName, m.Ident.GoName)
		}
		if f.GoName == "ToModel" {
			b.errorf(m.File, f.Desc, "its Go name ToModel collides with the generated method %s.ToModel; rename the field", m.GoIdent.GoName)
		}
	}
	for _, o := range m.Message.Oneofs {
		if o.GoName == "ToModel" {
			b.errorf(m.File, o.Desc, "its Go name ToModel collides with the generated method %s.ToModel; rename the oneof", m.GoIdent.GoName)
		}
	}
	for _, f := range m.Columns {
		if f.References != nil && f.References.File.GoImportPath != m.File.GoImportPath {
			b.errorf(m.File, f.Desc, "references %s, whose table is in another Go package (%s); each package's schema is written on its own, so a foreign key must stay in the package: drop references and keep the key as a plain column", f.References.Desc.FullName(), f.References.File.GoImportPath)
		}
		own := b.fieldOpts[f]
		fromAssoc := own.GetOnDelete() != protoforgev1.ReferentialAction_SET_NULL && own.GetOnUpdate() != protoforgev1.ReferentialAction_SET_NULL
		if fromAssoc && (f.OnDelete == "SET NULL" || f.OnUpdate == "SET NULL") && !f.Nullable() {
			b.errorf(m.File, f.Desc, "SET_NULL (set on the field that holds %s) needs a nullable key column, and this field has no presence; declare it `optional`", f.References.Desc.Name())
		}
	}
	idx := map[string]bool{}
	for _, ix := range m.Indexes {
		if idx[ix.Name] {
			b.errorf(m.File, m.Desc, "two indexes are named %q; give one (protoforge.v1.model).indexes name", ix.Name)
		}
		idx[ix.Name] = true
	}
}

// goNames are the package-level names protoc-gen-go declares for the
// files of gen, by Go package: messages, enums, their values and maps,
// and oneof wrappers, each with what it is.
func goNames(gen *protogen.Plugin) map[protogen.GoImportPath]map[string]string {
	out := map[protogen.GoImportPath]map[string]string{}
	for _, f := range gen.Files {
		names := out[f.GoImportPath]
		if names == nil {
			names = map[string]string{}
			out[f.GoImportPath] = names
		}
		enums := func(es []*protogen.Enum) {
			for _, e := range es {
				what := "Go type of enum " + string(e.Desc.FullName())
				names[e.GoIdent.GoName] = what
				names[e.GoIdent.GoName+"_name"] = "name map of enum " + string(e.Desc.FullName())
				names[e.GoIdent.GoName+"_value"] = "value map of enum " + string(e.Desc.FullName())
				for _, v := range e.Values {
					names[v.GoIdent.GoName] = "Go constant of enum value " + string(v.Desc.FullName())
				}
			}
		}
		var walk func([]*protogen.Message)
		walk = func(ms []*protogen.Message) {
			for _, m := range ms {
				names[m.GoIdent.GoName] = "Go type of message " + string(m.Desc.FullName())
				for _, fd := range m.Fields {
					if fd.Oneof != nil && !fd.Oneof.Desc.IsSynthetic() {
						names[fd.GoIdent.GoName] = "Go wrapper of oneof field " + string(fd.Desc.FullName())
					}
				}
				enums(m.Enums)
				walk(m.Messages)
			}
		}
		enums(f.Enums)
		walk(f.Messages)
	}
	return out
}

// goDeclared is what protoc-gen-go declares under name in Go package
// pkg, or "".
func (b *builder) goDeclared(pkg protogen.GoImportPath, name string) string {
	return b.goNames[pkg][name]
}

func messageNamed(f *protogen.File, goName string) bool {
	var walk func([]*protogen.Message) bool
	walk = func(ms []*protogen.Message) bool {
		for _, m := range ms {
			if m.GoIdent.GoName == goName || walk(m.Messages) {
				return true
			}
		}
		return false
	}
	return walk(f.Messages)
}

// orderable reports whether column type of f is one filters and order_by
// compare (see queryKinds).
func orderable(f *Field) bool {
	_, ok := queryKinds[f.Type]
	return ok
}
