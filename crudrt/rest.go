package crudrt

import (
	"encoding/json"
	"fmt"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
)

// Route is the REST route of a method: an HTTP verb and path template
// (google.api.http syntax) and the request field that takes the body ("*"
// for the whole request, "" for none).
type Route struct {
	Selector, Verb, Path string
	Body                 string `json:",omitempty"`
}

// RESTRulesOf returns the function a generated <Service>RESTRules is:
// routes, a JSON array of Route objects as protoc-gen-crud writes them,
// are read at the first call (a program whose generated routes do not
// read is wrong, and the call panics saying why), and every call returns
// new rules.
func RESTRulesOf(routes string) func() []*annotations.HttpRule {
	read := sync.OnceValue(func() []Route {
		var rs []Route
		if err := json.Unmarshal([]byte(routes), &rs); err != nil {
			panic(fmt.Sprintf("crudrt: generated REST routes: %v", err))
		}
		return rs
	})
	return func() []*annotations.HttpRule { return RESTRules(read()...) }
}

// RESTRules returns routes as google.api.http rules. A route with a verb other than
// GET, POST, PUT, PATCH or DELETE gets a custom pattern.
func RESTRules(routes ...Route) []*annotations.HttpRule {
	out := make([]*annotations.HttpRule, len(routes))
	for i, r := range routes {
		rule := &annotations.HttpRule{Selector: r.Selector, Body: r.Body}
		switch r.Verb {
		case "GET":
			rule.Pattern = &annotations.HttpRule_Get{Get: r.Path}
		case "POST":
			rule.Pattern = &annotations.HttpRule_Post{Post: r.Path}
		case "PUT":
			rule.Pattern = &annotations.HttpRule_Put{Put: r.Path}
		case "PATCH":
			rule.Pattern = &annotations.HttpRule_Patch{Patch: r.Path}
		case "DELETE":
			rule.Pattern = &annotations.HttpRule_Delete{Delete: r.Path}
		default:
			rule.Pattern = &annotations.HttpRule_Custom{Custom: &annotations.CustomHttpPattern{Kind: r.Verb, Path: r.Path}}
		}
		out[i] = rule
	}
	return out
}
