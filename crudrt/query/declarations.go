package query

import (
	"fmt"
	"strings"
	"sync"

	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
	"google.golang.org/protobuf/types/dynamicpb"
)

// maxCachedDeclarations bounds the declarations kept for reuse; tables
// beyond it are declared afresh on every call.
const maxCachedDeclarations = 256

var declarationCache struct {
	sync.Mutex
	m map[string]*filtering.Declarations
}

// cachedDeclarations returns declarations(t), reusing those of an earlier
// table with the same column paths, kinds and enum descriptors. A Checker
// only reads its declarations, so one set serves concurrent calls.
func cachedDeclarations(t *Table) (*filtering.Declarations, error) {
	var b strings.Builder
	for i := range t.Columns {
		c := &t.Columns[i]
		fmt.Fprintf(&b, "%q %d %p\n", c.Path, c.Kind, c.Enum)
	}
	key := b.String()
	declarationCache.Lock()
	d, ok := declarationCache.m[key]
	declarationCache.Unlock()
	if ok {
		return d, nil
	}
	d, err := declarations(t)
	if err != nil {
		return nil, err
	}
	declarationCache.Lock()
	if declarationCache.m == nil {
		declarationCache.m = make(map[string]*filtering.Declarations)
	}
	if len(declarationCache.m) < maxCachedDeclarations {
		declarationCache.m[key] = d
	}
	declarationCache.Unlock()
	return d, nil
}

// declarations declares t's columns for the filtering package's Checker:
// one identifier per column with its type (uint64 columns as int, as the
// translation resolves their literals; enums as their enum type, which
// declares the value names), true and false, the standard functions,
// juxtaposition as AND, and field:* on every column type.
func declarations(t *Table) (*filtering.Declarations, error) {
	opts := []filtering.DeclarationOption{
		filtering.DeclareStandardFunctions(),
		filtering.DeclareFunction(filtering.FunctionFuzzyAnd,
			filtering.NewFunctionOverload(filtering.FunctionFuzzyAnd+"_bool", filtering.TypeBool, filtering.TypeBool, filtering.TypeBool)),
		filtering.DeclareFunction(filtering.FunctionHas,
			filtering.NewFunctionOverload(filtering.FunctionHas+"_bool", filtering.TypeBool, filtering.TypeBool, filtering.TypeString),
			filtering.NewFunctionOverload(filtering.FunctionHas+"_int", filtering.TypeBool, filtering.TypeInt, filtering.TypeString),
			filtering.NewFunctionOverload(filtering.FunctionHas+"_float", filtering.TypeBool, filtering.TypeFloat, filtering.TypeString),
			filtering.NewFunctionOverload(filtering.FunctionHas+"_duration", filtering.TypeBool, filtering.TypeDuration, filtering.TypeString)),
	}
	// A duration compares with a quoted duration, as a timestamp does with
	// a quoted time ("90s"; literal.go reads it).
	for _, fn := range []string{filtering.FunctionEquals, filtering.FunctionNotEquals, filtering.FunctionLessThan,
		filtering.FunctionLessEquals, filtering.FunctionGreaterThan, filtering.FunctionGreaterEquals} {
		opts = append(opts, filtering.DeclareFunction(fn,
			filtering.NewFunctionOverload(fn+"_duration_string", filtering.TypeBool, filtering.TypeDuration, filtering.TypeString)))
	}
	for _, name := range []string{"true", "false"} {
		if t.column(name) == nil {
			opts = append(opts, filtering.DeclareIdent(name, filtering.TypeBool))
		}
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if collectionSteps(c.JSON) {
			continue // opaque to the Checker (filterParser.opaque)
		}
		var typ *expr.Type
		switch c.Kind {
		case KindBool:
			typ = filtering.TypeBool
		case KindInt, KindUint64:
			typ = filtering.TypeInt
		case KindFloat:
			typ = filtering.TypeFloat
		case KindString:
			typ = filtering.TypeString
		case KindTimestamp:
			typ = filtering.TypeTimestamp
		case KindDuration, KindDurationNanos:
			typ = filtering.TypeDuration
		case KindStringList:
			typ = filtering.TypeList(filtering.TypeString)
		case KindStringMap:
			typ = filtering.TypeMap(filtering.TypeString, filtering.TypeString)
		case KindEnum, KindEnumName:
			et := dynamicpb.NewEnumType(c.Enum)
			typ = filtering.TypeEnum(et)
			opts = append(opts,
				filtering.DeclareEnumIdent(c.Path, et),
				filtering.DeclareFunction(filtering.FunctionHas,
					filtering.NewFunctionOverload(filtering.FunctionHas+"_"+typ.GetMessageType(), filtering.TypeBool, typ, filtering.TypeString)))
			continue
		}
		opts = append(opts, filtering.DeclareIdent(c.Path, typ))
	}
	return filtering.NewDeclarations(opts...)
}
