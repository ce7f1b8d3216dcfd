package load

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// Totals are the rows a run left, read from the database.
type Totals struct {
	// Live rows (not deleted) and rows soft-deleted, counters excluded.
	Live, Deleted int
	// Increments is the sum of the counters.
	Increments int
}

// Check reads the run's rows straight from db and compares them with what
// the clients were told. It returns every broken invariant, joined.
func (r *Report) Check(ctx context.Context, db *gorm.DB) (Totals, error) {
	var models []*libraryv1.BookModel
	if err := db.WithContext(ctx).Unscoped().Where("author_id = ?", r.author).Find(&models).Error; err != nil {
		return Totals{}, fmt.Errorf("load: read rows: %w", err)
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, v := range r.Violations {
		fail("%s", v)
	}
	rows := map[string]*libraryv1.Book{}
	byID := map[int64]*libraryv1.Book{}
	for _, m := range models {
		b, err := m.ToProto()
		if err != nil {
			return Totals{}, fmt.Errorf("load: row %d: %w", m.Id, err)
		}
		rows[b.Title] = b
		byID[b.Id] = b
	}
	var t Totals
	counters := map[int64]bool{}
	for _, c := range r.counters {
		counters[c.id] = true
		b := byID[c.id]
		if b == nil {
			fail("counter %d is gone", c.id)
			continue
		}
		n, _ := strconv.Atoi(b.Metadata["n"])
		etag, _ := strconv.Atoi(b.Etag)
		t.Increments += n
		// Every write moves the etag on by one, so the etag counts the
		// writes that committed: if one was lost, n falls behind it.
		if n != etag-1 {
			fail("counter %d: value %d after %d writes (etag %q): an update was lost", c.id, n, etag-1, b.Etag)
		}
		if n < c.acked || n > c.acked+c.maybe {
			fail("counter %d: value %d, want %d acknowledged increments (+ up to %d unanswered)", c.id, n, c.acked, c.maybe)
		}
	}
	for title, id := range r.created {
		b := rows[title]
		switch {
		case b == nil:
			fail("acknowledged create %q (id %d) is missing", title, id)
		case b.Id != id:
			fail("%q has id %d, the client was told %d", title, b.Id, id)
		case r.deleted[id] && b.DeleteTime == nil:
			fail("acknowledged delete of %d did not happen", id)
		case !r.deleted[id] && !r.maybeDeleted[id] && b.DeleteTime != nil:
			fail("%d is deleted, but no client deleted it", id)
		}
	}
	for title, b := range rows {
		if counters[b.Id] {
			continue
		}
		if b.DeleteTime == nil {
			t.Live++
		} else {
			t.Deleted++
		}
		if _, ok := r.created[title]; !ok && !r.maybe[title] {
			fail("%q (id %d) exists, but no create of it was sent", title, b.Id)
		}
	}
	for _, batch := range r.batches {
		n := 0
		for _, title := range batch {
			if rows[title] != nil {
				n++
			}
		}
		if n != 0 && n != len(batch) {
			fail("batch %v is half written: %d of %d rows", batch, n, len(batch))
		}
	}
	if len(r.maybe) == 0 && len(r.maybeDeleted) == 0 {
		if want := len(r.created) - len(r.deleted); t.Live != want {
			fail("%d live rows, want %d creates - %d deletes acknowledged", t.Live, len(r.created), len(r.deleted))
		}
	}
	return t, errors.Join(errs...)
}
