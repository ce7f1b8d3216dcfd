package crudrt

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/ormrt"
)

// conflictAttempts bounds how often a write of the service's own is run
// when the database rolls it back for a conflict (a deadlock, a
// serialization failure, Galera's certification failure at commit).
const conflictAttempts = 3

// transaction runs fn in a transaction of the service's database, again
// when the database rolled it back for a conflict (see retry). Inside a
// transaction the caller opened (Store.On(tx)), fn runs once: the
// caller's transaction is what a conflict rolls back.
func (s *Service) transaction(ctx context.Context, fn func(tx *gorm.DB) error) (err error) {
	db := s.db.WithContext(ctx)
	if validateOnly(ctx) {
		// The write is carried out in full, then rolled back.
		run := fn
		fn = func(tx *gorm.DB) error {
			if err := run(tx); err != nil {
				return err
			}
			return errValidateOnly
		}
		defer func() {
			if errors.Is(err, errValidateOnly) {
				err = nil
			}
		}()
	}
	if s.inTx() {
		return db.Transaction(fn)
	}
	return s.retry(ctx, func() error { return commitOnce(ctx, s.db, fn) })
}

// commitOnce runs fn in a transaction of db, as db.Transaction does, but
// the transaction's context is cancelled by ctx only until COMMIT is
// sent: a statement still running when the caller gives up is cancelled
// and the transaction rolled back, a caller that has given up before
// COMMIT gets its context's error, and a COMMIT once sent is not
// cancelled (database/sql would then roll back, or leave the caller told
// that a write that was applied was not). Inside a transaction of the
// caller's (db's), it is db.Transaction: the caller commits.
func commitOnce(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if _, nested := db.Statement.ConnPool.(gorm.TxCommitter); nested {
		return db.WithContext(ctx).Transaction(fn)
	}
	txCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var mu sync.Mutex
	committing := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !committing {
			cancel()
		}
	})
	defer stop()
	return withinDeadline(ctx, db, func(db *gorm.DB) error {
		return db.WithContext(txCtx).Transaction(func(tx *gorm.DB) error {
			if err := fn(tx); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if err := ctx.Err(); err != nil {
				return err // rolled back
			}
			committing = true
			return nil
		})
	})
}

// withinDeadline runs write on db, or, on SQLite when ctx's deadline comes
// before the connection's busy_timeout ends, on a connection of db's whose
// busy_timeout ends just past the deadline, restored afterwards. SQLite
// waits for its write lock in a busy handler that no cancellation reaches
// (sqlite3_interrupt included): a write would otherwise wait out the
// whole busy_timeout (seconds) after its caller's deadline, and be
// answered DeadlineExceeded only then.
func withinDeadline(ctx context.Context, db *gorm.DB, write func(db *gorm.DB) error) error {
	deadline, ok := ctx.Deadline()
	if !ok || ormrt.DialectOf(db) != ormrt.SQLite {
		return write(db)
	}
	return db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		// Each statement from a new one: Connection's DB keeps the
		// statement it built last.
		conn = conn.Session(&gorm.Session{NewDB: true})
		var configured int64
		if err := conn.Raw("PRAGMA busy_timeout").Row().Scan(&configured); err != nil {
			return err
		}
		// A millisecond past the deadline: a write that finds the lock
		// still held fails once its context has ended, DeadlineExceeded.
		left := time.Until(deadline).Milliseconds() + 1
		if left >= configured {
			return write(conn)
		}
		if err := conn.Exec("PRAGMA busy_timeout = " + strconv.FormatInt(max(left, 0), 10)).Error; err != nil {
			return err
		}
		defer func() {
			// Whatever became of ctx: the connection goes back to the pool.
			_ = conn.WithContext(context.WithoutCancel(ctx)).Exec("PRAGMA busy_timeout = " + strconv.FormatInt(configured, 10)).Error
		}()
		return write(conn)
	})
}

// retry runs write, up to conflictAttempts times in all, while the
// database rolls it back for a conflict: the rollback undid every
// statement, so running it again applies the write once, against what is
// stored then (an etag checked inside is checked again). The last error
// is returned as it is; the caller turns it into a status (Aborted).
func (s *Service) retry(ctx context.Context, write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		if err == nil || attempt == conflictAttempts || ctx.Err() != nil || classify(err) != DBErrorConflict {
			return err
		}
		// A short, random pause lets the winner of the conflict commit.
		if !pause(ctx, time.Duration(1+rand.IntN(10*attempt))*time.Millisecond) {
			return err
		}
	}
}

// pause waits d, and reports false when ctx ends first.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// inTx reports whether s works in a transaction the caller opened
// (Store.On, a request id being recorded).
func (s *Service) inTx() bool {
	_, in := s.db.Statement.ConnPool.(gorm.TxCommitter)
	return in
}
