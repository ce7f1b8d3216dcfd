package ormrt_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/protoforge/protoforge/ormrt"
)

var stringJSONSeeds = []string{
	`[]`, `{}`, `[ ]`, `{ }`, `["a"]`, `["a","b"]`, `["a", "b"]`, " [ \"a\" ,\n\"b\"\t] ", `{"k":"v"}`, `{"k": "v", "l": ""}`,
	`{"a":"1","a":"2"}`, `[""]`, `{"":""}`, `["é😀"]`, `["\u00e9"]`, `["a\"b"]`, `["a\\b"]`, `["\ud83d\ude00"]`, `["\ud800"]`,
	"[\"\xff\"]", "[\"a\x01\"]", `["a",]`, `["a"`, `["a" "b"]`, `{"a"}`, `{"a":"b",}`, `{"a":"b" "c":"d"}`, `{"a","b"}`,
	`[1]`, `["a"]x`, `{"a":1}`, `null`, ``, `[`, `"a"`, `[["a"]]`, `{"a":"b":"c"}`, `[,]`, `{:}`, `["a":"b"]`, `{"a":"b"]`,
}

// TestDecodeStrings: the string lists and maps of JSON columns decode as
// encoding/json decodes them, the same values and the same refusals,
// whether or not they take the path without reflection.
func TestDecodeStrings(t *testing.T) {
	for _, in := range stringJSONSeeds {
		checkStringsLikeJSON(t, in)
	}
}

func FuzzDecodeStrings(f *testing.F) {
	for _, in := range stringJSONSeeds {
		f.Add(in)
	}
	f.Fuzz(checkStringsLikeJSON)
}

func checkStringsLikeJSON(t *testing.T, in string) {
	var wantList []string
	wantListErr := json.Unmarshal([]byte(in), &wantList)
	gotList, err := ormrt.DecodeStringList([]byte(in))
	if (err != nil) != (wantListErr != nil) || (err == nil && !reflect.DeepEqual(gotList, wantList)) {
		t.Errorf("list %q: %q, %v; encoding/json gives %q, %v", in, gotList, err, wantList, wantListErr)
	}
	var wantMap map[string]string
	wantMapErr := json.Unmarshal([]byte(in), &wantMap)
	gotMap, err := ormrt.DecodeStringMap([]byte(in))
	if (err != nil) != (wantMapErr != nil) || (err == nil && !reflect.DeepEqual(gotMap, wantMap)) {
		t.Errorf("map %q: %q, %v; encoding/json gives %q, %v", in, gotMap, err, wantMap, wantMapErr)
	}
}
