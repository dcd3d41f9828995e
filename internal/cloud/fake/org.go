package fake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Org is an in-memory AWS Organization: a management account, member accounts
// (each with its own enabled regions), one root with organizational units, and
// service control policies. Its accounts share one lock, so that EventBridge may
// deliver from one to another as AWS does across accounts: a rule's target may
// be another account's bus, which then admits the event only if its policy lets
// the sender's principal (the target's role, with aws:PrincipalArn,
// aws:PrincipalAccount and aws:PrincipalOrgID in the request) put events on it.
//
// Organizations answers only the management account; every account may assume
// a role in another account of the world whose trust policy admits it.
// Accounts created with AddAccount get OrganizationAccountAccessRole, as
// Organizations' CreateAccount does; AddExternal creates an account outside
// the organization (a stranger, for tests of what must be refused). SCPs are
// stored and attached but, like moto, not enforced.
type Org struct {
	mu  *sync.Mutex // the lock of every account of the world
	id  string
	arn string

	accounts []*Account          // members in the order they joined, the management account first
	byID     map[string]*Account // every account of the world, external ones included
	member   map[string]bool
	names    map[string]string
	status   map[string]string // by account ID; "" means ACTIVE

	rootID   string
	units    map[string]*unit
	policies map[string]*orgPolicy
	seq      int

	// Wrap, when set, wraps every account that Assume returns, for example in
	// a cloudtest.Recorder that adds latency and throttling. Set it before use.
	Wrap func(cloud.Account) cloud.Account
}

type unit struct {
	u      cloud.OrgUnit
	parent string
}

type orgPolicy struct {
	p       cloud.OrgPolicy
	targets []string
}

// OrgOptions configure an organization.
type OrgOptions struct {
	ID         string  // "o-exampleorgid"
	Management Options // the management account; its Account defaults to DefaultAccount
	Name       string  // the management account's name; "management"
}

// NewOrg returns an organization with its management account.
func NewOrg(o OrgOptions) *Org {
	w := &Org{
		mu:       new(sync.Mutex),
		id:       o.ID,
		byID:     map[string]*Account{},
		member:   map[string]bool{},
		names:    map[string]string{},
		status:   map[string]string{},
		units:    map[string]*unit{},
		policies: map[string]*orgPolicy{},
	}
	if w.id == "" {
		w.id = "o-exampleorgid"
	}
	name := o.Name
	if name == "" {
		name = "management"
	}
	m := w.add(o.Management, name, true)
	w.arn = "arn:aws:organizations::" + m.id + ":organization/" + w.id
	w.rootID = "r-" + w.id[2:6]
	w.units[w.rootID] = &unit{u: cloud.OrgUnit{ID: w.rootID, ARN: "arn:aws:organizations::" + m.id + ":root/" + w.id + "/" + w.rootID, Name: "Root"}}
	return w
}

func (w *Org) add(o Options, name string, member bool) *Account {
	a := newAccount(o, w.mu)
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, dup := w.byID[a.id]; dup {
		panic("fake: account " + a.id + " added twice")
	}
	a.org = w
	w.byID[a.id] = a
	if member {
		w.member[a.id] = true
		w.names[a.id] = name
		w.accounts = append(w.accounts, a)
	}
	return a
}

// ID returns the organization's ID.
func (w *Org) ID() string { return w.id }

// RootID returns the ID of the organization's root.
func (w *Org) RootID() string { return w.rootID }

// Management returns the management account.
func (w *Org) Management() *Account { return w.accounts[0] }

// AddAccount creates a member account named name, with the role
// OrganizationAccountAccessRole trusting the management account and allowed
// everything, as Organizations' CreateAccount does. o.Account must be set.
func (w *Org) AddAccount(o Options, name string) *Account {
	a := w.add(o, name, true)
	mgmt := w.Management().id
	a.mu.Lock()
	defer a.mu.Unlock()
	arn := "arn:aws:iam::" + a.id + ":role/" + cloud.DefaultAccessRole
	a.roles[cloud.DefaultAccessRole] = &role{
		r: cloud.Role{Name: cloud.DefaultAccessRole, ARN: arn,
			Trust: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"sts:AssumeRole"}]}`},
		policies: map[string]string{"AdministratorAccess": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	}
	return a
}

// AddExternal creates an account in the same world but outside the
// organization.
func (w *Org) AddExternal(o Options) *Account { return w.add(o, "", false) }

// AddUnit creates an organizational unit under parent (the root or an OU) and
// returns its ID.
func (w *Org) AddUnit(parent, name string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.units[parent]; !ok {
		panic("fake: no parent " + parent)
	}
	w.seq++
	id := fmt.Sprintf("ou-%s-%08d", w.rootID[2:], w.seq)
	w.units[id] = &unit{u: cloud.OrgUnit{ID: id, ARN: "arn:aws:organizations::" + w.accounts[0].id + ":ou/" + w.id + "/" + id, Name: name}, parent: parent}
	return id
}

// Account returns the account of that ID, or nil.
func (w *Org) Account(id string) *Account {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.byID[id]
}

// RemoveAccount takes an account out of the organization (it stays in the world,
// as an account that left).
func (w *Org) RemoveAccount(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.member, id)
	w.accounts = slices.DeleteFunc(w.accounts, func(a *Account) bool { return a.id == id })
}

// SetStatus sets an account's status as Organizations lists it ("SUSPENDED",
// "PENDING_CLOSURE"; "" or "ACTIVE" for active).
func (w *Org) SetStatus(id, status string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status[id] = status
}

// peer returns the account of the world with that ID, or nil. The caller holds
// the lock.
func (a *Account) peer(id string) *Account {
	if id == a.id {
		return a
	}
	if a.org == nil {
		return nil
	}
	return a.org.byID[id]
}

// principalARN is the ARN of the IAM principal the account's API calls are
// made as, when not through an assumed role.
func (a *Account) principalARN() string { return "arn:aws:iam::" + a.id + ":user/rootwatch-tester" }

// principalKeys are the global condition keys of a request made by principal
// of this account; withOrg adds aws:PrincipalOrgID when the account is a member.
// The caller holds the lock.
func (a *Account) principalKeys(principal string, withOrg bool) map[string]string {
	keys := map[string]string{"aws:PrincipalArn": principal, "aws:PrincipalAccount": a.id}
	if withOrg && a.org != nil && a.org.member[a.id] {
		keys["aws:PrincipalOrgID"] = a.org.id
	}
	return keys
}

// busAdmits checks the resource policy of another account's bus dst for a
// PutEvents by principal of account a. The caller holds the lock.
func (a *Account) busAdmits(dst *bus, principal string, withOrg bool) error {
	ok, err := allows(dst.policy, request{aws: principal, action: "events:PutEvents", resource: dst.arn, keys: a.principalKeys(principal, withOrg)})
	if err != nil {
		return fmt.Errorf("policy of event bus %s: %w", dst.arn, err)
	}
	if !ok {
		return fmt.Errorf("AccessDeniedException: %s is not authorized to perform events:PutEvents on %s (the bus policy does not allow it)", principal, dst.arn)
	}
	return nil
}

// Org implements cloud.Account.
func (a *Account) Org() cloud.Org { return &orgAPI{a: a, principal: a.principalARN()} }

// session is an account reached by assuming one of its roles: its calls are
// made as the role.
type session struct {
	*Account
	role string // the role's ARN
}

func (s *session) Identity(ctx context.Context) (cloud.Identity, error) {
	if err := ctx.Err(); err != nil {
		return cloud.Identity{}, fmt.Errorf("get caller identity: %w", err)
	}
	name := s.role[strings.LastIndexByte(s.role, '/')+1:]
	return cloud.Identity{Account: s.id, ARN: "arn:aws:sts::" + s.id + ":assumed-role/" + name + "/rootwatch", Partition: "aws"}, nil
}

func (s *session) Events(region string) cloud.Events {
	return &events{a: s.Account, region: region, principal: s.role}
}

func (s *session) Org() cloud.Org { return &orgAPI{a: s.Account, principal: s.role} }

// orgAPI is Organizations and STS as one principal of an account sees them.
type orgAPI struct {
	a         *Account
	principal string
}

var errNotInOrg = fmt.Errorf("AWSOrganizationsNotInUseException: your account is not a member of an organization: %w", cloud.ErrNotFound)

// lock takes the lock and checks that the caller may use Organizations: only
// the management account may. On error the lock is not held.
func (o *orgAPI) lock(ctx context.Context) (*Org, error) {
	if err := o.a.lockGlobal(ctx); err != nil {
		return nil, err
	}
	w := o.a.org
	switch {
	case w == nil || !w.member[o.a.id]:
		o.a.mu.Unlock()
		return nil, errNotInOrg
	case w.accounts[0] != o.a:
		o.a.mu.Unlock()
		return nil, fmt.Errorf("AccessDeniedException: account %s is not the management account or a delegated administrator of %s", o.a.id, w.id)
	}
	return w, nil
}

func (o *orgAPI) Describe(ctx context.Context) (cloud.Organization, error) {
	if err := o.a.lockGlobal(ctx); err != nil {
		return cloud.Organization{}, fmt.Errorf("describe organization: %w", err)
	}
	defer o.a.mu.Unlock()
	w := o.a.org
	if w == nil || !w.member[o.a.id] {
		return cloud.Organization{}, fmt.Errorf("describe organization: %w", errNotInOrg)
	}
	return cloud.Organization{ID: w.id, ARN: w.arn, ManagementAccount: w.accounts[0].id}, nil
}

// locked runs f on the organization under the lock, for the management
// account only (lock), and wraps its error (or the lock's) with op.
func (o *orgAPI) locked(ctx context.Context, op string, f func(w *Org) error) error {
	w, err := o.lock(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer o.a.mu.Unlock()
	if err := f(w); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// withPolicy is locked, with the policy id (or Organizations' error).
func (o *orgAPI) withPolicy(ctx context.Context, op, id string, f func(w *Org, p *orgPolicy) error) error {
	return o.locked(ctx, op, func(w *Org) error {
		p, err := w.policy(id)
		if err != nil {
			return err
		}
		return f(w, p)
	})
}

func (o *orgAPI) Accounts(ctx context.Context) (out []cloud.OrgAccount, err error) {
	err = o.locked(ctx, "list accounts", func(w *Org) error {
		out = make([]cloud.OrgAccount, len(w.accounts))
		for i, a := range w.accounts {
			st := w.status[a.id]
			if st == "" {
				st = "ACTIVE"
			}
			out[i] = cloud.OrgAccount{ID: a.id, Name: w.names[a.id], Email: "aws+" + a.id + "@example.com", Status: st}
		}
		return nil
	})
	return out, err
}

func (o *orgAPI) Roots(ctx context.Context) (out []cloud.OrgUnit, err error) {
	err = o.locked(ctx, "list roots", func(w *Org) error {
		out = []cloud.OrgUnit{w.units[w.rootID].u}
		return nil
	})
	return out, err
}

func (o *orgAPI) Units(ctx context.Context, parent string) (out []cloud.OrgUnit, err error) {
	err = o.locked(ctx, "list organizational units for parent "+parent, func(w *Org) error {
		if _, ok := w.units[parent]; !ok {
			return notFound("ParentNotFoundException: parent %s does not exist", parent)
		}
		for _, u := range w.units {
			if u.parent == parent {
				out = append(out, u.u)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(x, y cloud.OrgUnit) int { return strings.Compare(x.ID, y.ID) })
	return out, err
}

// maxSCPSize is Organizations' limit on a service control policy's size.
const maxSCPSize = 5120

func (o *orgAPI) Policies(ctx context.Context) (out []cloud.OrgPolicy, err error) {
	err = o.locked(ctx, "list policies", func(w *Org) error {
		for _, p := range w.policies {
			c := p.p
			c.Content, c.Tags = "", nil
			out = append(out, c)
		}
		return nil
	})
	slices.SortFunc(out, func(x, y cloud.OrgPolicy) int { return strings.Compare(x.ID, y.ID) })
	return out, err
}

func (w *Org) policy(id string) (*orgPolicy, error) {
	p, ok := w.policies[id]
	if !ok {
		return nil, notFound("PolicyNotFoundException: policy %s does not exist", id)
	}
	return p, nil
}

func (o *orgAPI) Policy(ctx context.Context, id string) (out cloud.OrgPolicy, err error) {
	err = o.withPolicy(ctx, "describe policy "+id, id, func(_ *Org, p *orgPolicy) error {
		out = p.p
		out.Tags = cloneTags(out.Tags)
		return nil
	})
	return out, err
}

func validSCP(content string) error {
	if len(content) > maxSCPSize {
		return fmt.Errorf("ConstraintViolationException: POLICY_CONTENT_LIMIT_EXCEEDED: %d characters, more than %d", len(content), maxSCPSize)
	}
	if err := validPolicy(content); err != nil {
		return fmt.Errorf("MalformedPolicyDocumentException: %w", err)
	}
	return nil
}

func (o *orgAPI) CreatePolicy(ctx context.Context, in cloud.OrgPolicy) (id string, err error) {
	err = o.locked(ctx, "create policy "+in.Name, func(w *Org) error {
		if err := validSCP(in.Content); err != nil {
			return err
		}
		for _, p := range w.policies {
			if p.p.Name == in.Name {
				return exists("DuplicatePolicyException: a policy named %s already exists", in.Name)
			}
		}
		w.seq++
		id = fmt.Sprintf("p-%08x", w.seq)
		in.ID = id
		in.ARN = "arn:aws:organizations::" + w.accounts[0].id + ":policy/" + w.id + "/service_control_policy/" + id
		in.Tags = cloneTags(in.Tags)
		w.policies[id] = &orgPolicy{p: in}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func (o *orgAPI) UpdatePolicy(ctx context.Context, id, content string) error {
	return o.withPolicy(ctx, "update policy "+id, id, func(_ *Org, p *orgPolicy) error {
		if err := validSCP(content); err != nil {
			return err
		}
		p.p.Content = content
		return nil
	})
}

func (o *orgAPI) DeletePolicy(ctx context.Context, id string) error {
	return o.withPolicy(ctx, "delete policy "+id, id, func(w *Org, p *orgPolicy) error {
		if len(p.targets) > 0 {
			return fmt.Errorf("PolicyInUseException: the policy is attached to %d targets", len(p.targets))
		}
		delete(w.policies, id)
		return nil
	})
}

func (o *orgAPI) PolicyTargets(ctx context.Context, id string) (out []string, err error) {
	err = o.withPolicy(ctx, "list targets for policy "+id, id, func(_ *Org, p *orgPolicy) error {
		out = slices.Clone(p.targets)
		return nil
	})
	return out, err
}

func (w *Org) validTarget(target string) error {
	if _, ok := w.units[target]; ok || w.member[target] {
		return nil
	}
	return notFound("TargetNotFoundException: %s is not a root, OU or account of the organization", target)
}

func (o *orgAPI) AttachPolicy(ctx context.Context, id, target string) error {
	return o.withPolicy(ctx, fmt.Sprintf("attach policy %s to %s", id, target), id, func(w *Org, p *orgPolicy) error {
		if err := w.validTarget(target); err != nil {
			return err
		}
		if slices.Contains(p.targets, target) {
			return exists("DuplicatePolicyAttachmentException: policy %s is already attached to %s", id, target)
		}
		p.targets = append(p.targets, target)
		return nil
	})
}

func (o *orgAPI) DetachPolicy(ctx context.Context, id, target string) error {
	return o.withPolicy(ctx, fmt.Sprintf("detach policy %s from %s", id, target), id, func(_ *Org, p *orgPolicy) error {
		i := slices.Index(p.targets, target)
		if i < 0 {
			return notFound("PolicyNotAttachedException: policy %s is not attached to %s", id, target)
		}
		p.targets = slices.Delete(p.targets, i, i+1)
		return nil
	})
}

// Assume assumes roleName in accountID as STS does: the account must exist in
// the world, the role in it, and the role's trust policy must admit the
// caller's principal.
func (o *orgAPI) Assume(ctx context.Context, accountID, roleName string) (cloud.Account, error) {
	roleARN := "arn:aws:iam::" + accountID + ":role/" + roleName
	op := "assume role " + roleARN
	if err := o.a.lockGlobal(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	denied := fmt.Errorf("%s: AccessDenied: %s is not authorized to perform sts:AssumeRole on resource %s", op, o.principal, roleARN)
	t := o.a.peer(accountID)
	if t == nil {
		o.a.mu.Unlock()
		return nil, denied
	}
	r, ok := t.roles[roleName]
	if !ok {
		o.a.mu.Unlock()
		return nil, denied
	}
	ok, err := allows(r.r.Trust, request{aws: o.principal, action: "sts:AssumeRole", resource: roleARN, keys: o.a.principalKeys(o.principal, true)})
	var wrap func(cloud.Account) cloud.Account
	if t.org != nil {
		wrap = t.org.Wrap
	}
	o.a.mu.Unlock()
	if err != nil || !ok {
		return nil, denied
	}
	var s cloud.Account = &session{Account: t, role: roleARN}
	if wrap != nil {
		s = wrap(s)
	}
	return s, nil
}

// putEventsBus resolves the bus a PutEvents names: a name in the caller's
// region, or an ARN, which may be another account's bus in the same region if
// that bus's policy lets the caller in. The caller holds the lock.
func (e *events) putEventsBus(rs *regionState, name string) (*Account, *regionState, *bus, error) {
	dst, drs := e.a, rs
	if strings.HasPrefix(name, "arn:") {
		if arnService(name) != "events" || !strings.HasPrefix(arnResource(name), "event-bus/") {
			return nil, nil, nil, fmt.Errorf("ValidationException: %s is not an event bus ARN", name)
		}
		if arnRegion(name) != e.region {
			return nil, nil, nil, fmt.Errorf("ValidationException: event bus %s is not in the region of the request, %s", name, e.region)
		}
		if dst = e.a.peer(arnAccount(name)); dst == nil {
			return nil, nil, nil, notFound("ResourceNotFoundException: Event bus %s does not exist", name)
		}
		if drs = dst.region[e.region]; drs == nil {
			return nil, nil, nil, notFound("ResourceNotFoundException: Event bus %s does not exist", name)
		}
		name = strings.TrimPrefix(arnResource(name), "event-bus/")
	}
	b, ok := drs.buses[name]
	if !ok {
		return nil, nil, nil, notFound("ResourceNotFoundException: Event bus %s does not exist", name)
	}
	if dst != e.a {
		principal := e.principal
		if principal == "" {
			principal = e.a.principalARN()
		}
		if err := e.a.busAdmits(b, principal, true); err != nil {
			return nil, nil, nil, err
		}
	}
	return dst, drs, b, nil
}

// SetBusPolicy implements cloud.Events.
func (e *events) SetBusPolicy(ctx context.Context, name, policy string) error {
	name = busOrDefault(name)
	op := fmt.Sprintf("put permission on bus %s in %s", name, e.region)
	rs, err := e.a.lock(ctx, e.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer e.a.mu.Unlock()
	b, ok := rs.buses[name]
	if !ok {
		return fmt.Errorf("%s: %w", op, notFound("ResourceNotFoundException: Event bus %s does not exist", name))
	}
	if policy != "" {
		if err := validPolicy(policy); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	b.policy = policy
	return nil
}
