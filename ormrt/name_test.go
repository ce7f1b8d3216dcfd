package ormrt_test

import (
	"errors"
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
	} {
		if got := ormrt.SingletonPattern(pattern); got != want {
			t.Errorf("SingletonPattern(%q) = %v, want %v", pattern, got, want)
		}
	}
}
