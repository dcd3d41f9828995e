// Package fleet runs one of rootwatch's operations over the accounts of an AWS
// Organization: it lists and selects the accounts, reaches each by assuming a
// role in it (the caller's own account directly), and runs the operation on
// every account with bounded concurrency. One account that fails (a missing
// role, an SCP that denies, throttling past the retries) does not stop the
// others: its result carries the error, and the caller decides the exit code.
package fleet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// DefaultWorkers is how many accounts are worked on at once unless told
// otherwise. Each account's operation has its own (regional) concurrency.
const DefaultWorkers = 16

// Selection narrows the organization's accounts (--accounts, --exclude-accounts).
type Selection struct {
	Include []string // only these account IDs; nil means all
	Exclude []string
}

// Select lists the organization's active accounts and applies s (see Pick).
func Select(ctx context.Context, org cloud.Org, s Selection) ([]cloud.OrgAccount, error) {
	all, err := org.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	return Pick(all, s)
}

// Pick applies s to the organization's accounts all, keeping the active ones,
// sorted by ID. An account named in Include that is not an active account of
// the organization is an error (a typo must not silently shrink the
// deployment).
func Pick(all []cloud.OrgAccount, s Selection) ([]cloud.OrgAccount, error) {
	active := map[string]bool{}
	var out []cloud.OrgAccount
	for _, a := range all {
		if a.Status != "" && a.Status != "ACTIVE" {
			continue // suspended or closing: nothing can be deployed there
		}
		active[a.ID] = true
		if len(s.Include) > 0 && !slices.Contains(s.Include, a.ID) || slices.Contains(s.Exclude, a.ID) {
			continue
		}
		out = append(out, a)
	}
	var unknown []string
	for _, id := range s.Include {
		if !active[id] {
			unknown = append(unknown, id)
		}
	}
	switch len(unknown) {
	case 0:
	case 1:
		return nil, fmt.Errorf("account %s is not an active account of the organization", unknown[0])
	default:
		return nil, fmt.Errorf("accounts %s are not active accounts of the organization", strings.Join(unknown, ", "))
	}
	slices.SortFunc(out, func(x, y cloud.OrgAccount) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// Result is the outcome of the operation in one account.
type Result[T any] struct {
	Account cloud.OrgAccount
	Value   T
	Err     error // nil when the operation succeeded in the account
	Elapsed time.Duration
}

// Runner runs an operation in every selected account.
type Runner struct {
	// Caller is the account the credentials are for (the management account
	// or a delegated administrator); CallerID is its ID. The caller's own
	// account is worked on with these credentials, every other one through
	// Role.
	Caller   cloud.Account
	CallerID string
	Role     string // cloud.DefaultAccessRole unless told otherwise
	Workers  int    // DefaultWorkers when ≤ 0
	// Progress, when set, is called after each account with the number done
	// and the total (for a progress line on a terminal).
	Progress func(done, total int)
}

// Open returns the account id as the runner reaches it.
func (r *Runner) Open(ctx context.Context, id string) (cloud.Account, error) {
	if id == r.CallerID {
		return r.Caller, nil
	}
	role := r.Role
	if role == "" {
		role = cloud.DefaultAccessRole
	}
	return r.Caller.Org().Assume(ctx, id, role)
}

// Run runs fn in every account, reached through Open, at most Workers at
// once, and returns the results in the order of accounts. It stops starting
// accounts when ctx is done; those not started carry ctx's error.
func Run[T any](ctx context.Context, r *Runner, accounts []cloud.OrgAccount, fn func(ctx context.Context, id cloud.OrgAccount, a cloud.Account) (T, error)) []Result[T] {
	return RunOpen(ctx, r, accounts, func(ctx context.Context, id cloud.OrgAccount) (T, error) {
		a, err := r.Open(ctx, id.ID)
		if err != nil {
			var zero T
			return zero, err
		}
		return fn(ctx, id, a)
	})
}

// RunOpen is Run for an operation that reaches the accounts itself (ones
// opened before, say): only the concurrency, the order and the progress.
func RunOpen[T any](ctx context.Context, r *Runner, accounts []cloud.OrgAccount, fn func(ctx context.Context, id cloud.OrgAccount) (T, error)) []Result[T] {
	workers := r.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	results := make([]Result[T], len(accounts))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
		sem  = make(chan struct{}, workers)
	)
	for i, acct := range accounts {
		results[i].Account = acct
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			results[i].Err = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			v, err := fn(ctx, acct)
			results[i].Value, results[i].Err, results[i].Elapsed = v, err, time.Since(start)
			mu.Lock()
			done++
			if r.Progress != nil {
				r.Progress(done, len(accounts))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}

// Failed returns the results whose operation failed.
func Failed[T any](rs []Result[T]) []Result[T] {
	var out []Result[T]
	for _, r := range rs {
		if r.Err != nil {
			out = append(out, r)
		}
	}
	return out
}
