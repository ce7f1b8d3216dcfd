package crudrt_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestConcurrentBatchCreatesSameUniqueValues: batches that create books
// with the same ISBNs, half of them in the other order, at once: one
// batch is created and every other is AlreadyExists, on every database.
// On PostgreSQL two such batches inserting in opposite orders each waited
// for the other's uncommitted ISBN: a deadlock, broken after
// deadlock_timeout (1 s) and retried, until batches answered Aborted
// after many seconds.
func TestConcurrentBatchCreatesSameUniqueValues(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db0 *gorm.DB) {
		books, author := generatedLibrary(t, db0)
		ctx := context.Background()
		before := deadlocksOf(t, db0)
		for round := 0; round < 3; round++ {
			const batches, size = 8, 6
			errs := concurrently(batches, func(b int) error {
				var reqs []*libraryv1.CreateBookRequest
				for i := 0; i < size; i++ {
					reqs = append(reqs, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{
						Title: fmt.Sprintf("r%d b%d i%d", round, b, i), AuthorId: author.Id, Isbn: uint64(1000*round + i + 1)}})
				}
				if b%2 == 1 {
					slices.Reverse(reqs)
				}
				_, err := books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: reqs})
				return err
			})
			oneApplied(t, fmt.Sprintf("round %d", round), errs)
		}
		if n := deadlocksOf(t, db0) - before; n > 0 {
			t.Errorf("%d deadlocks", n)
		}
	})
}

// TestConcurrentBatchUpdatesSameUniqueValues: batches that give rows of
// their own the same new ISBNs, half of them in the other order, at once:
// one batch is applied and every other is AlreadyExists, without
// deadlocks, on every database.
func TestConcurrentBatchUpdatesSameUniqueValues(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		books, author := generatedLibrary(t, db)
		ctx := context.Background()
		const batches, size = 8, 40
		ids := make([][]int64, batches)
		for b := range ids {
			var reqs []*libraryv1.CreateBookRequest
			for i := 0; i < size; i++ {
				reqs = append(reqs, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprintf("b%d i%d", b, i), AuthorId: author.Id, Isbn: uint64(100*b + i + 1)}})
			}
			res, err := books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: reqs})
			if err != nil {
				t.Fatal(err)
			}
			for _, bk := range res.Books {
				ids[b] = append(ids[b], bk.Id)
			}
		}
		before := deadlocksOf(t, db)
		errs := concurrently(batches, func(b int) error {
			var reqs []*libraryv1.UpdateBookRequest
			for i, id := range ids[b] {
				reqs = append(reqs, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: id, Isbn: uint64(90000 + i)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"isbn"}}})
			}
			if b%2 == 1 {
				slices.Reverse(reqs)
			}
			_, err := books.BatchUpdateBooks(ctx, &libraryv1.BatchUpdateBooksRequest{Requests: reqs})
			return err
		})
		oneApplied(t, "updates", errs)
		if n := deadlocksOf(t, db) - before; n > 0 {
			t.Errorf("%d deadlocks", n)
		}
	})
}

// deadlocksOf is PostgreSQL's count of the deadlocks of db's database,
// 0 on other databases.
func deadlocksOf(t *testing.T, db *gorm.DB) (n int64) {
	t.Helper()
	if db.Dialector.Name() != "postgres" {
		return 0
	}
	_ = db.Exec("SELECT pg_stat_clear_snapshot()").Error
	if err := db.Raw("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// concurrently runs f(0) … f(n-1) at once and returns their errors.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	return errs
}

// oneApplied checks that exactly one of errs is nil and every other
// AlreadyExists.
func oneApplied(t *testing.T, what string, errs []error) {
	t.Helper()
	applied := 0
	for i, err := range errs {
		switch {
		case err == nil:
			applied++
		case connect.CodeOf(err) != connect.CodeAlreadyExists:
			t.Errorf("%s, batch %d: %v, want AlreadyExists or applied", what, i, err)
		}
	}
	if applied != 1 {
		t.Errorf("%s: %d batches applied, want 1", what, applied)
	}
}
