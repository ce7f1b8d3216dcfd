package crudrt

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/api/annotations"
)

// TestRESTRouteMatch reads path templates as google.api.http does:
// variables with and without patterns, ** and custom verbs.
func TestRESTRouteMatch(t *testing.T) {
	for _, tc := range []struct {
		rule            *annotations.HttpRule
		method, path    string
		match           bool
		conflicts, free []string
	}{
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/books/{id}"}}, "GET", "/v1/books/7", true, []string{"id"}, []string{"view"}},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/books/{id}"}}, "GET", "/v1/books/7/x", false, nil, nil},
		// An empty segment is the variable's, as the transcoder reads it
		// (and the value then refused, naming it).
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/books/{id}"}}, "GET", "/v1/books/", true, nil, nil},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/books/{id}"}}, "GET", "/v1/books", false, nil, nil},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/books/{id}"}}, "DELETE", "/v1/books/7", false, nil, nil},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/{name=shelves/*/books/*}"}}, "GET", "/v1/shelves/a/books/b", true, []string{"name"}, []string{"view"}},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/{name=shelves/*/books/*}"}}, "GET", "/v1/shelves/a", false, nil, nil},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/{name=files/**}"}}, "GET", "/v1/files/a/b/c", true, []string{"name"}, nil},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Post{Post: "/v1/books/{id}:undelete"}, Body: "*"}, "POST", "/v1/books/7:undelete", true, []string{"id", "etag"}, nil},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Post{Post: "/v1/books/{id}:undelete"}, Body: "*"}, "POST", "/v1/books/7", false, nil, nil},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/books:batchGet"}}, "GET", "/v1/books:batchGet", true, nil, []string{"ids"}},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: "/v1/books:batchGet"}}, "GET", "/v1/books", false, nil, nil},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Patch{Patch: "/v1/books/{book.id}"}, Body: "book"}, "PATCH", "/v1/books/%37", true, []string{"book", "book.id", "book.title"}, []string{"update_mask"}},
		{&annotations.HttpRule{Pattern: &annotations.HttpRule_Custom{Custom: &annotations.CustomHttpPattern{Kind: "HEAD", Path: "/v1/x"}}}, "HEAD", "/v1/x", true, nil, []string{"a"}},
	} {
		r, ok := parseRESTRule(tc.rule, nil)
		assert.True(t, ok)
		assert.Equal(t, tc.match, r.matches(tc.method, tc.path), "%v %s %s", tc.rule, tc.method, tc.path)
		for _, k := range tc.conflicts {
			_, c := r.conflict(k)
			// Without a descriptor, "*" bodies cannot tell fields from
			// unknown keys and leave those to the transcoder.
			if r.bodyAll && k != "id" {
				continue
			}
			assert.True(t, c, "%v: %s", tc.rule, k)
		}
		for _, k := range tc.free {
			_, c := r.conflict(k)
			assert.False(t, c, "%v: %s", tc.rule, k)
		}
	}
}

// TestKeepEscapedSlashes: an escaped slash in a variable of several
// segments, or of a final "**", is escaped once more for the transcoder,
// which unescapes it in the first and may bind the second for one segment
// (ServiceWithRules): google.api.http keeps it as it is in both.
func TestKeepEscapedSlashes(t *testing.T) {
	for _, tc := range []struct{ tmpl, path, want string }{
		{"/v1/{name=shelves/*}", "/v1/shelves/a%2Fb", "/v1/shelves/a%252Fb"},
		{"/v1/books/{id}", "/v1/books/a%2Fb", "/v1/books/a%2Fb"},
		{"/v1/{name=repos/*/files/**}", "/v1/repos/r/files/a%2Fb", "/v1/repos/r/files/a%252Fb"},
		{"/v1/{name=repos/*/files/**}", "/v1/repos/r%2Fx/files/c/a%2fb", "/v1/repos/r%252Fx/files/c/a%252fb"},
		{"/v1/{name=repos/*/files/**}:peek", "/v1/repos/r/files/a%2Fb:peek", "/v1/repos/r/files/a%252Fb:peek"},
		{"/v1/{name=**}", "/v1/a%2Fb/c", "/v1/a%252Fb/c"},
		{"/v1/repos/{repo}/**", "/v1/repos/r%2Fx/a%2Fb", "/v1/repos/r%2Fx/a%2Fb"},
	} {
		r, ok := parseRESTRule(&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: tc.tmpl}}, nil)
		assert.True(t, ok, tc.tmpl)
		assert.Equal(t, tc.want, r.keepEscapedSlashes(tc.path), "%s %s", tc.tmpl, tc.path)
	}
}

// TestTakenRoute: of the routes that match a request, RESTGuard reads it
// as the one the transcoder's router takes, whatever their order: a
// literal before "*", "*" before "**", at the first segment they differ
// in.
func TestTakenRoute(t *testing.T) {
	parse := func(tmpl string) restRoute {
		r, ok := parseRESTRule(&annotations.HttpRule{Pattern: &annotations.HttpRule_Get{Get: tmpl}}, nil)
		require.True(t, ok, tmpl)
		return r
	}
	templates := []string{"/v2/{name=*/b}", "/v2/a/{name}", "/v2/{name=**}", "/v1/{name=projects/*/things/*}", "/v1/projects/{p}/things/default"}
	for _, tc := range []struct {
		path string
		want string // "" for none
		only bool
	}{
		{"/v2/a/b", "/v2/a/{name}", false},
		{"/v2/c/b", "/v2/{name=*/b}", false},
		{"/v2/a/c", "/v2/a/{name}", false},
		{"/v2/c/d/e", "/v2/{name=**}", true},
		{"/v1/projects/p/things/default", "/v1/projects/{p}/things/default", false},
		{"/v1/projects/p/things/t", "/v1/{name=projects/*/things/*}", true},
		{"/v3/x", "", true},
	} {
		reversed := slices.Clone(templates)
		slices.Reverse(reversed)
		for _, order := range [][]string{templates, reversed} {
			var routes []restRoute
			for _, tmpl := range order {
				routes = append(routes, parse(tmpl))
			}
			route, only := takenRoute(routes, "GET", tc.path)
			if tc.want == "" {
				assert.Nil(t, route, tc.path)
			} else if assert.NotNil(t, route, tc.path) {
				assert.Equal(t, parse(tc.want).segs, route.segs, tc.path)
			}
			assert.Equal(t, tc.only, only, tc.path)
		}
	}
}
