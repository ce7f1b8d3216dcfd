package crudrt

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/ormrt"
)

// uniqueSetsOf lists the columns of each unique index of s's resource,
// and of its key where the database does not assign it, by their index
// in s.res.Columns (lockUniqueValues).
func uniqueSetsOf(s *Service) [][]int {
	var sets [][]int
	col := make(map[string]int, len(s.res.Columns))
	for i, c := range s.res.Columns {
		col[c.Name] = i
	}
	for _, ix := range s.res.Indexes {
		if !ix.Unique {
			continue
		}
		var set []int
		for _, name := range ix.Columns {
			i, ok := col[name]
			if !ok {
				set = nil
				break
			}
			set = append(set, i)
		}
		if set != nil {
			sets = append(sets, set)
		}
	}
	if s.key != nil && !s.key.AutoIncrement {
		var set []int
		for _, c := range append(append([]*column{}, s.parents...), s.key) {
			if i, ok := col[c.Name]; ok {
				set = append(set, i)
			}
		}
		sets = append(sets, set)
	}
	return sets
}

// lockUniqueValues takes, in tx, a PostgreSQL advisory lock for each value
// of the models' unique indexes (and of their key, where the database does
// not assign it), in one order for every transaction. Writes of several
// rows that share unique values then wait for each other at the start,
// where each would insert its rows and wait for the other's uncommitted
// value: in opposite orders, a deadlock, broken only after
// deadlock_timeout (1 s by default) and retried. The one that waits meets
// the other's committed values: AlreadyExists. A lock is a hash of the
// index and the values, so that two values may share one (and wait for
// each other needlessly, never wrongly). One model takes no lock: a single
// row waits for one value at a time. Other databases take none: MySQL and
// MariaDB lock the index gap of a value they check, and SQLite has one
// writer.
func (s *Service) lockUniqueValues(tx *gorm.DB, models []any) error {
	if s.dialect != ormrt.Postgres || len(models) < 2 {
		return nil
	}
	sets := s.uniqueSets
	if len(sets) == 0 {
		return nil
	}
	keys := make([]int64, 0, len(models)*len(sets))
	for _, m := range models {
		base := modelBase(m)
		for n, set := range sets {
			h := fnv.New64a()
			fmt.Fprintf(h, "%s\x00%d", s.from, n)
			for _, i := range set {
				f := s.dests[i]
				v, err := f.arg(unsafe.Add(base, f.off))
				if err != nil {
					return err
				}
				fmt.Fprintf(h, "\x00%T:%v", v, v)
			}
			keys = append(keys, int64(h.Sum64()))
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(k, 10))
	}
	b.WriteByte('}')
	// The subquery keeps its order (OFFSET 0: it is not merged into the
	// outer query), so that the locks are taken in it.
	return tx.Exec("SELECT pg_advisory_xact_lock(k) FROM (SELECT k FROM unnest(CAST(? AS bigint[])) AS k ORDER BY k OFFSET 0) AS locks", b.String()).Error
}
