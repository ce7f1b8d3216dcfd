package query

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"go.einride.tech/aip/filtering"

	"github.com/protoforge/protoforge/internal/testdb"
	"gorm.io/gorm"
)

// injectionCorpus holds strings that break out of naively built SQL.
var injectionCorpus = []string{
	`'; DROP TABLE qt_rows; --`,
	`" OR 1=1 --`,
	`\' OR '1'='1`,
	`%' --`,
	`' OR ''='`,
	`' OR 1=1 LIMIT 1 --`,
	`1; DELETE FROM qt_rows`,
	`'); DROP TABLE qt_sentinel; --`,
	`title) OR (1=1`,
	`\`,
	`\\`,
	`\"`,
	`\'`,
	"a\x00b",
	"\x00",
	"'\x00' OR 1=1",
	`’ OR ‘1’=‘1`,
	`“ OR 1=1 --”`,
	`＇ OR １=１ --`,
	`%`,
	`_`,
	`*`,
	`!`,
	`!%`,
	`[a-z]*?`,
	`' UNION SELECT id, id, id FROM qt_rows --`,
	`"; SELECT pg_sleep(5); --`,
	`' AND SLEEP(5) --`,
	`admin'/*`,
	`*/ OR 1=1 /*`,
	`$1`,
	`?`,
	`@x`,
	`:name`,
	"\n; DROP TABLE qt_rows",
	"0x27 OR 1=1",
	`\x27 OR 1=1`,
	`\u0027 OR 1=1`,
	`%27%20OR%201=1`,
	"`; DROP TABLE `qt_rows",
	`id = 1 OR 1 = 1`,
	`title = "x" OR "1" = "1"`,
	`count = 1) OR (1 = 1`,
	"\xff' OR 1=1 --",
	`'||(SELECT version())||'`,
	`\'; DROP TABLE qt_rows; --`,
	`'; DROP TABLE qt_rows; --*`,
}

// filterLiteral spells s as a filter string literal that means exactly s
// (stars escaped, so they are not wildcards).
func filterLiteral(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '*':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\x00`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// wildMatch reports whether s matches parts joined by wildcards.
func wildMatch(parts []string, s string) bool {
	if len(parts) == 1 {
		return s == parts[0]
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// literalMatch returns the rows a string literal written as raw selects
// compared with =, or nil when raw is not exactly one valid literal.
func literalMatch(raw string) func(r dbRow) bool {
	if !utf8.ValidString(raw) {
		return nil
	}
	var lx filtering.Lexer
	lx.Init(raw)
	tok, err := lx.Lex()
	if err != nil || tok.Type != filtering.TokenTypeString || tok.Value != raw {
		return nil
	}
	parts, err := splitStars(raw)
	if err != nil || strings.Contains(strings.Join(parts, ""), "\x00") {
		return nil
	}
	return func(r dbRow) bool { return wildMatch(parts, r.Title) }
}

// TestDBInjection uses each corpus string as a filter value, spliced into
// filters as an attacker would, as a whole filter, as order_by and as a
// page token. Each use is a clean *Error or a query that selects exactly
// the rows that genuinely match; afterwards the tables are intact.
func TestDBInjection(t *testing.T) {
	if len(injectionCorpus) < 25 {
		t.Fatalf("corpus of %d strings", len(injectionCorpus))
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		tb := createTestTable(t, db)
		terms, _ := ParseOrderBy(tb, "")
		// run parses filter and, if it parses, checks the query selects
		// want (nil: the filter must not parse).
		run := func(filter string, want func(r dbRow) bool) {
			t.Helper()
			c, err := ParseFilter(tb, filter)
			if err != nil {
				asError(t, err, "filter")
				if want != nil {
					t.Errorf("ParseFilter(%q): %v", filter, err)
				}
				return
			}
			if want == nil {
				t.Errorf("ParseFilter(%q) succeeded: %s %v", filter, c.SQL, c.Args)
				return
			}
			checkOnlyPlaceholders(t, tb, c)
			got, err := selectIDs(db, tb, c)
			if err != nil {
				t.Errorf("%q → %s %q: %v", filter, c.SQL, c.Args, err)
				return
			}
			if w := idsWhere(want); !slices.Equal(got, w) {
				t.Errorf("%q → %s %q\n got ids %v\nwant ids %v", filter, c.SQL, c.Args, got, w)
			}
		}
		matched := 0
		for _, s := range injectionCorpus {
			valid := utf8.ValidString(s) && !strings.Contains(s, "\x00")
			// As a properly written value: exactly the equal rows, or the
			// rows with s as prefix, or a clean error for NUL and bad UTF-8.
			eq := func(r dbRow) bool { return r.Title == s }
			ne := func(r dbRow) bool { return r.Title != s }
			prefix := func(r dbRow) bool { return strings.HasPrefix(r.Title, s) }
			if !valid {
				eq, ne, prefix = nil, nil, nil
			}
			run("title = "+filterLiteral(s), eq)
			run("title != "+filterLiteral(s), ne)
			lit := filterLiteral(s)
			run("title = "+lit[:len(lit)-1]+`*"`, prefix)
			if valid {
				matched += len(idsWhere(eq))
			}
			// Spliced into a double-quoted literal, or used as a literal
			// as it is: if that makes one string literal, the filter
			// selects what the literal means (wildcards included).
			run(`title = "`+s+`"`, literalMatch(`"`+s+`"`))
			run("title = "+s, literalMatch(s))
			// Spliced elsewhere, or as the whole filter: never a filter.
			for _, f := range []string{s, "count = " + s, "count = 1 AND " + s, s + " = 1"} {
				run(f, nil)
			}
			// As order_by, alone and after a valid term.
			for _, o := range []string{s, "title, " + s, "title " + s} {
				if _, err := ParseOrderBy(tb, o); err == nil {
					t.Errorf("ParseOrderBy(%q) succeeded", o)
				} else {
					asError(t, err, "order_by")
				}
			}
			// As a page token.
			if _, err := DecodeToken(testKey, "q", terms, s); err == nil {
				t.Errorf("DecodeToken(%q) succeeded", s)
			} else {
				asError(t, err, "page_token")
			}
		}
		if matched < 3 {
			t.Errorf("only %d corpus strings match a row", matched)
		}
		checkTableIntact(t, db)
	})
}
