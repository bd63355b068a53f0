package store

import (
	"context"
	"database/sql"
	"sync"
)

// modernc.org/sqlite compiles every statement afresh unless it is prepared; parsing was
// about a sixth of a report step's CPU. pool and Tx keep database/sql's method names and
// meaning but run each distinct SQL text through a statement prepared once (database/sql
// then prepares it once per connection and reuses it).

// maxCachedStmts bounds the cache: SQL built with a variable number of placeholders
// would otherwise grow it without end. Past the bound, statements run unprepared.
const maxCachedStmts = 512

type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

func (c *stmtCache) get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	s, ok := c.m[query]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return s, nil
	}
	// Prepare without the lock: it waits for a free connection, and the connection's
	// holder may be looking up the cache.
	s, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		s.Close()
		return prev, nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = s
	return s, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = nil
}

// pool is a connection pool whose queries use cached prepared statements.
type pool struct {
	*sql.DB
	stmts stmtCache
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmts.get(ctx, p.DB, query)
	if err != nil || s == nil {
		return p.DB.ExecContext(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmts.get(ctx, p.DB, query)
	if err != nil || s == nil {
		return p.DB.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmts.get(ctx, p.DB, query)
	if err != nil || s == nil {
		return p.DB.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

func (p *pool) Close() error {
	p.stmts.close()
	return p.DB.Close()
}

// stmt returns the pool's prepared statement bound to the transaction, or nil when it is
// not prepared yet. Preparing needs a connection of the pool, and the writer pool's only
// connection is this transaction's: so a statement seen for the first time runs
// unprepared and is prepared after the transaction ends (see DB.run).
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.pool == nil {
		return nil
	}
	s := tx.pool.stmts.lookup(query)
	if s == nil {
		tx.unprepared = append(tx.unprepared, query)
		return nil
	}
	return tx.Tx.StmtContext(ctx, s)
}

// prepare caches the statements a transaction ran unprepared, now that the connection
// is free. A failure only means the next run is unprepared too.
func (p *pool) prepare(ctx context.Context, queries []string) {
	for _, q := range queries {
		_, _ = p.stmts.get(ctx, p.DB, q)
	}
}

// ExecContext is sql.Tx's, through a cached prepared statement.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext is sql.Tx's, through a cached prepared statement.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext is sql.Tx's, through a cached prepared statement.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}
