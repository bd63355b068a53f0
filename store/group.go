package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
)

// Group commit. Under load many liaisons' answers arrive at once, and each was its own
// transaction on the one writer connection: BEGIN IMMEDIATE and COMMIT (WAL frames written
// for every page touched) were more than half the CPU of a save. Saves that arrive while
// another transaction runs now wait in a queue; the first of them to get the connection
// runs all waiting saves in one transaction, each in its own savepoint, so one save's
// failure undoes only its own rows. Nothing is acknowledged before the commit: a save
// returns only once its rows are durable as before. Only writes that opt in
// (DB.writeGrouped) are grouped; others keep a transaction to themselves.

// maxGroup bounds the saves in one transaction, so that a long queue still commits often.
const maxGroup = 64

// writeReq is one write waiting for the writer connection.
type writeReq struct {
	ctx     context.Context
	fn      func(*Tx) error
	grouped bool
	// after, if set, is told the write's outcome once it is committed or failed, while the
	// writer connection is still held: so such calls happen in commit order (the memos
	// follow the rows in the order they changed).
	after func(error)
	err   error
	// done is closed when err is set, or when this request is to lead the next group
	// (lead is then true).
	done chan struct{}
	lead bool
}

// safe is the request's fn with a panic turned into an error (see call).
func (r *writeReq) safe() func(*Tx) error {
	return func(tx *Tx) error { return call(r.fn, tx) }
}

// writeQueue orders writes on the writer connection: one group runs at a time.
type writeQueue struct {
	mu      sync.Mutex
	pending []*writeReq
	running bool
}

// writeGrouped runs fn in a write transaction that it may share with other grouped
// writes, and tells after (if set) each attempt's outcome in commit order. fn must keep to
// the *Tx and the context it is given: that context is never cancelled, since the
// statements of a shared transaction run to their end (a statement interrupted inside it
// would roll back the others' rows too). The caller may still give up while it waits.
func (db *DB) writeGrouped(ctx context.Context, fn func(context.Context, *Tx) error, after func(error)) error {
	sctx := context.WithoutCancel(ctx)
	shared := func(tx *Tx) error { return fn(sctx, tx) }
	return db.retryBusy(ctx, func() error {
		return db.enqueue(&writeReq{ctx: ctx, fn: shared, grouped: true, after: after})
	})
}

// writeThen is Write with after told each attempt's outcome in commit order (see
// writeReq.after).
func (db *DB) writeThen(ctx context.Context, fn func(*Tx) error, after func(error)) error {
	return db.retryBusy(ctx, func() error { return db.enqueue(&writeReq{ctx: ctx, fn: fn, after: after}) })
}

// errNotRun is the outcome of a write until its turn has run.
var errNotRun = errors.New("write not run")

// enqueue waits for its turn on the writer connection, leading a group when no other
// request is running one, and returns the request's outcome. A caller whose context ends
// while it waits gets the context's error at once, and its write never runs.
func (db *DB) enqueue(r *writeReq) error {
	r.err, r.done = errNotRun, make(chan struct{})
	q := &db.wq
	q.mu.Lock()
	q.pending = append(q.pending, r)
	if q.running {
		q.mu.Unlock()
		select {
		case <-r.done:
		case <-r.ctx.Done():
			q.mu.Lock()
			if i := slices.Index(q.pending, r); i >= 0 && !r.lead {
				q.pending = slices.Delete(q.pending, i, i+1)
				q.mu.Unlock()
				return r.ctx.Err()
			}
			q.mu.Unlock()
			<-r.done // already taken into a group, or handed the connection
		}
		if !r.lead {
			return r.err
		}
		q.mu.Lock()
	}
	q.running = true
	batch := takeGroup(&q.pending)
	q.mu.Unlock()
	defer db.handOff()
	db.runGroup(batch)
	return r.err
}

// handOff passes the writer connection to the oldest waiting request, or marks it free.
// The leader does not serve the queue itself: its own answer is ready.
func (db *DB) handOff() {
	q := &db.wq
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		q.running = false
		return
	}
	next := q.pending[0]
	next.lead = true
	close(next.done)
}

// call runs a write's fn, turning a panic into an error: the write shares its turn, or
// its transaction, with others, who must get their answers and the queue must go on. The
// error carries the panic and its stack for the log.
func call(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(tx)
}

// takeGroup removes from the queue the requests to run together: the first one, and when
// it may be grouped, the grouped requests behind it up to maxGroup.
func takeGroup(pending *[]*writeReq) []*writeReq {
	p := *pending
	n := 1
	if p[0].grouped {
		for n < len(p) && n < maxGroup && p[n].grouped {
			n++
		}
	}
	batch := p[:n:n]
	*pending = append([]*writeReq(nil), p[n:]...)
	return batch
}

// runGroup runs the batch and sets each request's err; it closes done for all but the
// first, whose caller is the one running it.
func (db *DB) runGroup(batch []*writeReq) {
	defer func() {
		for _, r := range batch[1:] {
			close(r.done)
		}
	}()
	var live []*writeReq
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		live = append(live, r)
	}
	defer func() {
		for _, r := range batch {
			if r.after != nil {
				r.after(r.err)
			}
		}
	}()
	switch {
	case len(live) == 1:
		live[0].err = db.run(live[0].ctx, db.w, nil, live[0].safe())
		return
	case len(live) == 0:
		return
	}
	err := db.runShared(live)
	switch {
	case err == nil:
	case isBusy(err):
		// Another process holds the database: each caller backs off and tries again
		// (retryBusy) rather than waiting out the busy timeout once per write here.
		for _, r := range live {
			r.err = err
		}
	default:
		// The shared transaction itself failed (a savepoint, the commit): nothing of it
		// was committed. Each write gets a transaction of its own instead.
		for _, r := range live {
			r.err = db.run(r.ctx, db.w, nil, r.safe())
		}
	}
}

// runShared runs the requests in one transaction, each in a savepoint. A request whose fn
// fails has its rows undone and its error set; the others commit together. An error
// returned means the transaction as a whole did not commit (the caller then sets every
// request's outcome again).
func (db *DB) runShared(reqs []*writeReq) error {
	// The shared transaction outlives any one caller's wait.
	return db.run(context.Background(), db.w, nil, func(tx *Tx) error {
		for _, r := range reqs {
			if _, err := tx.ExecContext(context.Background(), `SAVEPOINT w`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			if r.err = call(r.fn, tx); r.err != nil {
				if _, err := tx.ExecContext(context.Background(), `ROLLBACK TO w`); err != nil {
					return fmt.Errorf("rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(context.Background(), `RELEASE w`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
}
