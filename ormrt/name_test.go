package ormrt_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/protoforge/protoforge/ormrt"
)

func TestResourceNames(t *testing.T) {
	var id string
	if err := ormrt.ScanName("shelves/{shelf}", "shelves/sci-fi", "lib.Shelf.name", &id); err != nil || id != "sci-fi" {
		t.Fatalf("ScanName: %q, %v", id, err)
	}
	if got := ormrt.NameOf("shelves/{shelf}", "sci-fi"); got != "shelves/sci-fi" {
		t.Errorf("NameOf: %q", got)
	}
	if got := ormrt.NameOf("shelves/{shelf}", ""); got != "" {
		t.Errorf("NameOf of no id: %q", got)
	}
	for _, bad := range []string{"", "shelves/", "books/1", "shelves/1/books/2", "shelves", "/shelves/1", "//library.example.com/shelves/1", "//shelves/1"} {
		err := ormrt.ScanName("shelves/{shelf}", bad, "lib.Shelf.name", &id)
		var fe *ormrt.FieldError
		if !errors.As(err, &fe) || fe.Field != "lib.Shelf.name" {
			t.Errorf("ScanName(%q): %v; want a FieldError naming the field", bad, err)
		}
	}
}

// TestSingletonPattern tells singletons (AIP-156), whose pattern ends
// with a collection, from resources with ids of their own.
func TestSingletonPattern(t *testing.T) {
	for pattern, want := range map[string]bool{
		"users/{user}/config":                            true,
		"projects/{project}/locations/{location}/config": true,
		"config":                    true,
		"users/{user}":              false,
		"users/{user}/books/{book}": false,
		"{a}":                       false,
		"projects/{project}/settings|organizations/{organization}/settings": true,
		"projects/{project}/settings|projects/{project}/xs/{x}":             false,
	} {
		if got := ormrt.SingletonPattern(pattern); got != want {
			t.Errorf("SingletonPattern(%q) = %v, want %v", pattern, got, want)
		}
	}
}

// TestSingletonPatternSet reads the names of singletons of several
// patterns (AIP-156, AIP-123): keyed by their parents' variables, "" where
// a name's pattern lacks one.
func TestSingletonPatternSet(t *testing.T) {
	const settings = "projects/{project}/settings|organizations/{organization}/settings|projects/{project}/locations/{location}/settings"
	if got := ormrt.OwnerPattern(settings); got != "projects/{project}|organizations/{organization}|projects/{project}/locations/{location}" {
		t.Errorf("OwnerPattern = %q", got)
	}
	if got := ormrt.PatternVars(settings); !slices.Equal(got, []string{"project", "organization", "location"}) {
		t.Errorf("PatternVars = %v", got)
	}
	for name, ids := range map[string][]string{
		"projects/p1/settings":              {"p1", "", ""},
		"organizations/o1/settings":         {"", "o1", ""},
		"projects/p1/locations/l1/settings": {"p1", "", "l1"},
	} {
		got := make([]string, 3)
		if err := ormrt.ScanName(settings, name, "", &got[0], &got[1], &got[2]); err != nil || !slices.Equal(got, ids) {
			t.Errorf("ScanName(%q) = %q, %v; want %q", name, got, err, ids)
		}
		if back := ormrt.NameOf(settings, ids...); back != name {
			t.Errorf("NameOf(%q) = %q, want %q", ids, back, name)
		}
	}
}

func TestPatternSet(t *testing.T) {
	const secret = "projects/{project}/secrets/{secret}|projects/{project}/locations/{location}/secrets/{secret}"
	const version = "projects/{project}/secrets/{secret}/versions/{secret_version}|projects/{project}/locations/{location}/secrets/{secret}/versions/{secret_version}"
	if got := ormrt.PatternVars(secret); !slices.Equal(got, []string{"project", "location", "secret"}) {
		t.Errorf("PatternVars(secret) = %v", got)
	}
	if got := ormrt.PatternVars(version); !slices.Equal(got, []string{"project", "location", "secret", "secret_version"}) {
		t.Errorf("PatternVars(version) = %v", got)
	}
	if got := ormrt.PatternVars("organizations/{organization}/sinks/{sink}|folders/{folder}/sinks/{sink}|projects/{project}/sinks/{sink}"); !slices.Equal(got, []string{"organization", "folder", "project", "sink"}) {
		t.Errorf("PatternVars(sinks) = %v", got)
	}
	if got := ormrt.ParentPattern(secret); got != "projects/{project}|projects/{project}/locations/{location}" {
		t.Errorf("ParentPattern = %q", got)
	}
	if got := ormrt.NamePrefix(secret); got != "projects/" {
		t.Errorf("NamePrefix = %q", got)
	}
	for _, c := range []struct {
		name string
		ids  []string
	}{
		{"projects/p1/secrets/s1", []string{"p1", "", "s1"}},
		{"projects/p1/locations/l1/secrets/s1", []string{"p1", "l1", "s1"}},
		{"projects/p1/locations/secrets/secrets/s1", []string{"p1", "secrets", "s1"}},
	} {
		ids := make([]string, 3)
		if err := ormrt.ScanName(secret, c.name, "name", &ids[0], &ids[1], &ids[2]); err != nil {
			t.Errorf("ScanName(%q): %v", c.name, err)
			continue
		}
		if !slices.Equal(ids, c.ids) {
			t.Errorf("ScanName(%q) = %q, want %q", c.name, ids, c.ids)
		}
		if got := ormrt.NameOf(secret, ids...); got != c.name {
			t.Errorf("NameOf(%q) = %q, want %q", ids, got, c.name)
		}
	}
	for _, bad := range []string{"projects/p1", "projects/p1/locations/l1/secrets/", "projects/p1/secrets/s1/x", "/projects/p1/secrets/s1", "folders/f/secrets/s"} {
		ids := make([]string, 3)
		if err := ormrt.ScanName(secret, bad, "name", &ids[0], &ids[1], &ids[2]); err == nil {
			t.Errorf("ScanName(%q) = %q, want an error", bad, ids)
		}
	}
	if got := ormrt.NameOf(secret, "", "l1", "s1"); got != "" {
		t.Errorf("NameOf of no pattern's ids = %q, want \"\"", got)
	}
	if got := ormrt.RefIDs(secret, "projects/p/locations/l/secrets/s"); !slices.Equal(got, []string{"p", "l", "s"}) {
		t.Errorf("RefIDs = %q", got)
	}
}
