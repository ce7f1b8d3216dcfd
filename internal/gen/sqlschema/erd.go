package sqlschema

import (
	"fmt"
	"strings"

	"github.com/protoforge/protoforge/ormrt"
)

// Mermaid draws the snapshot as a Mermaid erDiagram: tables, columns with
// their PostgreSQL types, keys, and the foreign keys as relationships.
func (s *Snapshot) Mermaid() string {
	var b strings.Builder
	b.WriteString("erDiagram\n")
	for _, t := range s.Tables {
		fmt.Fprintf(&b, "  %s {\n", t.Name)
		pk := map[string]bool{}
		for _, k := range t.PrimaryKey {
			pk[k] = true
		}
		fk := map[string]bool{}
		for _, f := range t.ForeignKeys {
			for _, c := range f.Columns {
				fk[c] = true
			}
		}
		unique := map[string]bool{}
		for _, ix := range t.Indexes {
			if ix.Unique && len(ix.Columns) == 1 {
				unique[ix.Columns[0]] = true
			}
		}
		for _, c := range t.Columns {
			lt, _ := ParseType(c.Type)
			typ := strings.NewReplacer(" ", "_", "(", "_", ")", "", ",", "_").Replace(strings.ToLower(lt.SQL(ormrt.Postgres, c.Size)))
			var keys []string
			if pk[c.Name] {
				keys = append(keys, "PK")
			}
			if fk[c.Name] {
				keys = append(keys, "FK")
			}
			if unique[c.Name] {
				keys = append(keys, "UK")
			}
			line := fmt.Sprintf("    %s %s", typ, c.Name)
			if len(keys) > 0 {
				line += " " + strings.Join(keys, ",")
			}
			note := fmt.Sprintf("field %d", c.Field)
			switch {
			case t.Message == "":
				note = "AIP-155"
			case c.Field == 0:
				note = "parent in the name"
			}
			if c.Nullable {
				note += ", nullable"
			}
			fmt.Fprintf(&b, "%s %q\n", line, note)
		}
		b.WriteString("  }\n")
	}
	for _, t := range s.Tables {
		for _, f := range t.ForeignKeys {
			// Many rows of t point to one row of the referenced table.
			fmt.Fprintf(&b, "  %s ||--o{ %s : %q\n", f.RefTable, t.Name, strings.Join(f.Columns, ", "))
		}
	}
	return b.String()
}
