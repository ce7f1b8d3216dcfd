package crudrt_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"connectrpc.com/connect"
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
		deadlocks := func() int64 { return 0 }
		if db0.Dialector.Name() == "postgres" {
			deadlocks = func() (n int64) {
				_ = db0.Exec("SELECT pg_stat_clear_snapshot()").Error
				if err := db0.Raw("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				return n
			}
		}
		before := deadlocks()
		for round := 0; round < 3; round++ {
			const batches, size = 8, 6
			var wg sync.WaitGroup
			errs := make([]error, batches)
			for b := 0; b < batches; b++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var reqs []*libraryv1.CreateBookRequest
					for i := 0; i < size; i++ {
						reqs = append(reqs, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{
							Title: fmt.Sprintf("r%d b%d i%d", round, b, i), AuthorId: author.Id, Isbn: uint64(1000*round + i + 1)}})
					}
					if b%2 == 1 {
						slices.Reverse(reqs)
					}
					_, err := books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: reqs})
					errs[b] = err
				}()
			}
			wg.Wait()
			created := 0
			for b, err := range errs {
				switch {
				case err == nil:
					created++
				case connect.CodeOf(err) != connect.CodeAlreadyExists:
					t.Errorf("round %d, batch %d: %v, want AlreadyExists or created", round, b, err)
				}
			}
			if created != 1 {
				t.Errorf("round %d: %d batches created, want 1", round, created)
			}
		}
		if n := deadlocks() - before; n > 0 {
			t.Errorf("%d deadlocks", n)
		}
	})
}
