package ormrt

import (
	"testing"

	"gorm.io/gorm"
)

// fakeConfig and fakeDialector mirror the shape of GORM's MySQL dialector:
// a pointer to a config holding ServerVersion, embedded.
type fakeConfig struct{ ServerVersion string }

type fakeDialector struct {
	gorm.Dialector
	*fakeConfig
}

func (fakeDialector) Name() string { return "mysql" }

type noVersionDialector struct{ gorm.Dialector }

func (noVersionDialector) Name() string { return "mysql" }

type intVersionDialector struct {
	gorm.Dialector
	ServerVersion int
}

func TestIsMariaDB(t *testing.T) {
	for _, c := range []struct {
		name string
		d    gorm.Dialector
		want bool
	}{
		{"MariaDB", &fakeDialector{fakeConfig: &fakeConfig{ServerVersion: "10.11.6-MariaDB-0+deb12u1"}}, true},
		{"MariaDB by value", fakeDialector{fakeConfig: &fakeConfig{ServerVersion: "11.4.2-MariaDB"}}, true},
		{"MySQL", &fakeDialector{fakeConfig: &fakeConfig{ServerVersion: "8.0.36"}}, false},
		{"version not read", &fakeDialector{fakeConfig: &fakeConfig{}}, false},
		{"nil config", &fakeDialector{}, false},
		{"no version field", noVersionDialector{}, false},
		{"version not a string", intVersionDialector{ServerVersion: 10}, false},
		{"nil dialector", nil, false},
	} {
		if got := isMariaDB(&gorm.DB{Config: &gorm.Config{Dialector: c.d}}); got != c.want {
			t.Errorf("%s: isMariaDB = %v, want %v", c.name, got, c.want)
		}
	}
	if isMariaDB(nil) {
		t.Errorf("isMariaDB(nil) = true")
	}
	db := &gorm.DB{Config: &gorm.Config{Dialector: &fakeDialector{fakeConfig: &fakeConfig{ServerVersion: "10.11.6-MariaDB"}}}}
	if got := (JSON{}).GormDBDataType(db, nil); got != JSONColumnMariaDB {
		t.Errorf("GormDBDataType on MariaDB = %s", got)
	}
	db.Dialector = &fakeDialector{fakeConfig: &fakeConfig{ServerVersion: "8.4.0"}}
	if got := (JSON{}).GormDBDataType(db, nil); got != JSONColumnMySQL {
		t.Errorf("GormDBDataType on MySQL = %s", got)
	}
	if got := (Uint64(0)).GormDBDataType(db, nil); got != Uint64ColumnMySQL {
		t.Errorf("Uint64 GormDBDataType on MySQL = %s", got)
	}
	if got := DialectOf(db); got != MySQL {
		t.Errorf("DialectOf = %q", got)
	}
}
