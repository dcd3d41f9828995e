package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// connection is an EventBridge connection with its secret, which only delivery
// reads.
type connection struct {
	c    cloud.Connection
	key  string            // the API key header's value
	body []cloud.BodyParam // body parameters, secret values included
}

// destination is an API destination with its rate limiter.
type destination struct {
	d    cloud.Destination
	next time.Time // the earliest virtual time of the next invocation
}

// apiState is one region's connections and API destinations.
type apiState struct {
	conns map[string]*connection
	dests map[string]*destination
}

// conn is the connection of that name, or EventBridge's error.
func (api *apiState) conn(name string) (*connection, error) {
	c, ok := api.conns[name]
	if !ok {
		return nil, notFound("ResourceNotFoundException: Connection '%s' does not exist", name)
	}
	return c, nil
}

// connByARN is the connection of that ARN, or nil.
func (api *apiState) connByARN(arn string) *connection {
	for _, c := range api.conns {
		if c.c.ARN == arn {
			return c
		}
	}
	return nil
}

// dest is the API destination of that name, or EventBridge's error.
func (api *apiState) dest(name string) (*destination, error) {
	dst, ok := api.dests[name]
	if !ok {
		return nil, notFound("ResourceNotFoundException: An api-destination '%s' does not exist", name)
	}
	return dst, nil
}

// setDestinationStates puts every API destination of connection c in state
// st, as EventBridge does when c is deauthorized or authorized again.
func (api *apiState) setDestinationStates(c *connection, st cloud.DestinationState) {
	for _, dst := range api.dests {
		if dst.d.ConnectionARN == c.c.ARN {
			dst.d.State = st
		}
	}
}

// Invocation is one HTTP request the fake made to an API destination.
type Invocation struct {
	Destination string    // the API destination's ARN
	Attempt     int       // 1 for the first try
	At          time.Time // when EventBridge would have sent it (virtual time)
	Status      int       // the endpoint's HTTP status; 0 when it did not answer
	Err         error     // why the request failed, if it did
}

// pendingCall is an API-destination delivery decided under the lock and made
// after it is released (an endpoint may take seconds; a test's endpoint may
// call back into the fake).
type pendingCall struct {
	rule   cloud.Rule
	target cloud.Target
	event  string
	body   string
}

type destinations struct {
	a      *Account
	region string
}

// Destinations implements cloud.Account.
func (a *Account) Destinations(region string) cloud.Destinations {
	return &destinations{a: a, region: region}
}

// api returns the region's connections and API destinations, creating the
// maps on first use. The caller holds the lock.
func (a *Account) api(region string) *apiState {
	if a.apis == nil {
		a.apis = map[string]*apiState{}
	}
	s, ok := a.apis[region]
	if !ok {
		s = &apiState{conns: map[string]*connection{}, dests: map[string]*destination{}}
		a.apis[region] = s
	}
	return s
}

func (c *connection) describe() cloud.Connection {
	out := c.c
	out.BodyKeys = nil
	for _, p := range c.body {
		out.BodyKeys = append(out.BodyKeys, p.Key)
	}
	return out
}

func validConnectionSpec(spec cloud.ConnectionSpec) error {
	if !validName(spec.Name, 64, "._-") {
		return errors.New("ValidationException: invalid connection name")
	}
	if spec.APIKeyName == "" || spec.APIKeyValue == "" {
		return errors.New("ValidationException: ApiKeyAuthParameters need a key name and a value")
	}
	if len(spec.APIKeyName) > 512 || len(spec.APIKeyValue) > 512 {
		return errors.New("ValidationException: ApiKeyName and ApiKeyValue are at most 512 characters")
	}
	seen := map[string]bool{}
	for _, p := range spec.Body {
		if p.Key == "" || seen[p.Key] {
			return fmt.Errorf("ValidationException: body parameter key %q is empty or repeated", p.Key)
		}
		seen[p.Key] = true
	}
	return nil
}

// locked runs f on the region's connections and API destinations under the
// account's lock, and wraps its error (or the lock's) with op.
func (d *destinations) locked(ctx context.Context, op string, f func(api *apiState) error) error {
	rs, err := d.a.lock(ctx, d.region)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer d.a.mu.Unlock()
	if err := f(d.a.api(rs.name)); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func (d *destinations) Connections(ctx context.Context, prefix string) (out []cloud.Connection, err error) {
	err = d.locked(ctx, "list connections in "+d.region, func(api *apiState) error {
		for name, c := range api.conns {
			if strings.HasPrefix(name, prefix) {
				out = append(out, c.describe())
			}
		}
		return nil
	})
	slices.SortFunc(out, func(x, y cloud.Connection) int { return strings.Compare(x.Name, y.Name) })
	return out, err
}

func (d *destinations) Connection(ctx context.Context, name string) (out cloud.Connection, err error) {
	err = d.locked(ctx, fmt.Sprintf("describe connection %s in %s", name, d.region), func(api *apiState) error {
		c, err := api.conn(name)
		if err == nil {
			out = c.describe()
		}
		return err
	})
	return out, err
}

func (d *destinations) CreateConnection(ctx context.Context, spec cloud.ConnectionSpec) (out cloud.Connection, err error) {
	err = d.locked(ctx, fmt.Sprintf("create connection %s in %s", spec.Name, d.region), func(api *apiState) error {
		if err := validConnectionSpec(spec); err != nil {
			return err
		}
		if _, ok := api.conns[spec.Name]; ok {
			return exists("ResourceAlreadyExistsException: Connection %s already exists", spec.Name)
		}
		id := d.a.nextID("")
		c := &connection{
			c: cloud.Connection{
				Name:        spec.Name,
				ARN:         "arn:aws:events:" + d.region + ":" + d.a.id + ":connection/" + spec.Name + "/" + id,
				Description: spec.Description,
				AuthType:    cloud.AuthAPIKey,
				State:       cloud.ConnectionAuthorized,
				SecretARN:   "arn:aws:secretsmanager:" + d.region + ":" + d.a.id + ":secret:events!connection/" + spec.Name + "/" + id,
				APIKeyName:  spec.APIKeyName,
			},
			key:  spec.APIKeyValue,
			body: slices.Clone(spec.Body),
		}
		api.conns[spec.Name] = c
		out = c.describe()
		return nil
	})
	return out, err
}

// UpdateConnection replaces the connection's parameters. As in AWS, updating
// the credentials of a DEAUTHORIZED connection authorizes it again.
func (d *destinations) UpdateConnection(ctx context.Context, spec cloud.ConnectionSpec) (out cloud.Connection, err error) {
	err = d.locked(ctx, fmt.Sprintf("update connection %s in %s", spec.Name, d.region), func(api *apiState) error {
		if err := validConnectionSpec(spec); err != nil {
			return err
		}
		c, err := api.conn(spec.Name)
		if err != nil {
			return err
		}
		c.c.Description = spec.Description
		c.c.APIKeyName = spec.APIKeyName
		c.c.State = cloud.ConnectionAuthorized
		c.c.StateReason = ""
		c.key = spec.APIKeyValue
		c.body = slices.Clone(spec.Body)
		api.setDestinationStates(c, cloud.DestinationActive)
		out = c.describe()
		return nil
	})
	return out, err
}

func (d *destinations) DeleteConnection(ctx context.Context, name string) error {
	return d.locked(ctx, fmt.Sprintf("delete connection %s in %s", name, d.region), func(api *apiState) error {
		if _, err := api.conn(name); err != nil {
			return err
		}
		delete(api.conns, name)
		return nil
	})
}

func (d *destinations) Destinations(ctx context.Context, prefix string) (out []cloud.Destination, err error) {
	err = d.locked(ctx, "list API destinations in "+d.region, func(api *apiState) error {
		for name, dst := range api.dests {
			if strings.HasPrefix(name, prefix) {
				out = append(out, dst.d)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(x, y cloud.Destination) int { return strings.Compare(x.Name, y.Name) })
	return out, err
}

func (d *destinations) Destination(ctx context.Context, name string) (out cloud.Destination, err error) {
	err = d.locked(ctx, fmt.Sprintf("describe API destination %s in %s", name, d.region), func(api *apiState) error {
		dst, err := api.dest(name)
		if err == nil {
			out = dst.d
		}
		return err
	})
	return out, err
}

// validDestination checks what CreateApiDestination checks: a name, an HTTPS
// endpoint, a method, a rate in 1..300, and a connection of this account and
// region that exists.
func (d *destinations) validDestination(api *apiState, in cloud.Destination) error {
	if !validName(in.Name, 64, "._-") {
		return errors.New("ValidationException: invalid API destination name")
	}
	u, err := url.Parse(in.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return errors.New("ValidationException: InvocationEndpoint must be an https URL")
	}
	switch in.Method {
	case "POST", "GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		return fmt.Errorf("ValidationException: HttpMethod %q is not valid", in.Method)
	}
	if in.RateLimit < 0 || in.RateLimit > cloud.DestinationDefaultRate {
		return fmt.Errorf("ValidationException: InvocationRateLimitPerSecond %d is out of range 1..300", in.RateLimit)
	}
	if api.connByARN(in.ConnectionARN) == nil {
		return notFound("ResourceNotFoundException: Connection %s does not exist", in.ConnectionARN)
	}
	return nil
}

func (d *destinations) CreateDestination(ctx context.Context, in cloud.Destination) (out cloud.Destination, err error) {
	err = d.locked(ctx, fmt.Sprintf("create API destination %s in %s", in.Name, d.region), func(api *apiState) error {
		if err := d.validDestination(api, in); err != nil {
			return err
		}
		if _, ok := api.dests[in.Name]; ok {
			return exists("ResourceAlreadyExistsException: An api-destination %s already exists", in.Name)
		}
		in.ARN = "arn:aws:events:" + d.region + ":" + d.a.id + ":api-destination/" + in.Name + "/" + d.a.nextID("")
		in.State = cloud.DestinationActive
		if in.RateLimit == 0 {
			in.RateLimit = cloud.DestinationDefaultRate
		}
		api.dests[in.Name] = &destination{d: in}
		out = in
		return nil
	})
	return out, err
}

func (d *destinations) UpdateDestination(ctx context.Context, in cloud.Destination) (out cloud.Destination, err error) {
	err = d.locked(ctx, fmt.Sprintf("update API destination %s in %s", in.Name, d.region), func(api *apiState) error {
		dst, err := api.dest(in.Name)
		if err != nil {
			return err
		}
		if err := d.validDestination(api, in); err != nil {
			return err
		}
		in.ARN, in.State = dst.d.ARN, dst.d.State
		if in.RateLimit == 0 {
			in.RateLimit = cloud.DestinationDefaultRate
		}
		dst.d = in
		out = in
		return nil
	})
	return out, err
}

func (d *destinations) DeleteDestination(ctx context.Context, name string) error {
	return d.locked(ctx, fmt.Sprintf("delete API destination %s in %s", name, d.region), func(api *apiState) error {
		if _, err := api.dest(name); err != nil {
			return err
		}
		delete(api.dests, name)
		return nil
	})
}

// DeauthorizeConnection puts a connection in the DEAUTHORIZED state, as AWS
// does when its credentials stop working, and its API destinations in the
// INACTIVE state. EventBridge invokes none of them until the connection is
// updated.
func (a *Account) DeauthorizeConnection(region, name, reason string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	api := a.api(region)
	c, err := api.conn(name)
	if err != nil {
		return fmt.Errorf("deauthorize connection %s in %s: %w", name, region, err)
	}
	c.c.State = cloud.ConnectionDeauthorized
	c.c.StateReason = reason
	api.setDestinationStates(c, cloud.DestinationInactive)
	return nil
}

// Invocations returns the HTTP requests made to API destinations so far,
// oldest first.
func (a *Account) Invocations() []Invocation {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.invocations)
}

// isAPIDestination reports whether a target ARN names an API destination.
func isAPIDestination(arn string) bool {
	return arnService(arn) == "events" && strings.HasPrefix(arnResource(arn), "api-destination/")
}

// queueInvocation checks what EventBridge checks before it invokes an API
// destination (the destination exists and is ACTIVE, its connection is
// AUTHORIZED, the target's role may invoke it) and queues the request, to be
// made once the lock is released. The caller holds the lock.
func (a *Account) queueInvocation(r *rule, t cloud.Target, event, body string) error {
	if _, err := a.destinationFor(t.ARN); err != nil {
		return err
	}
	keys := map[string]string{"aws:SourceArn": r.r.ARN, "aws:SourceAccount": a.id}
	if err := a.roleMay(t.RoleARN, "events:InvokeApiDestination", t.ARN, keys); err != nil {
		return err
	}
	a.pending = append(a.pending, pendingCall{rule: r.r, target: copyTarget(t), event: event, body: body})
	return nil
}

// destinationFor finds the ACTIVE destination of arn and its AUTHORIZED
// connection. The caller holds the lock.
func (a *Account) destinationFor(arn string) (*destination, error) {
	api := a.api(arnRegion(arn))
	for _, dst := range api.dests {
		if dst.d.ARN != arn {
			continue
		}
		if dst.d.State != cloud.DestinationActive {
			return nil, fmt.Errorf("ApiDestinationInactive: API destination %s is %s", dst.d.Name, dst.d.State)
		}
		c := api.connByARN(dst.d.ConnectionARN)
		if c == nil {
			return nil, notFound("ResourceNotFoundException: connection %s of API destination %s", dst.d.ConnectionARN, dst.d.Name)
		}
		if c.c.State != cloud.ConnectionAuthorized {
			return nil, fmt.Errorf("ConnectionDeauthorized: connection %s is %s", c.c.Name, c.c.State)
		}
		return dst, nil
	}
	return nil, notFound("ResourceNotFoundException: API destination %s", arn)
}

// roleMay checks a target role as EventBridge assumes it: the role exists,
// trusts events.amazonaws.com with the rule's context keys, its boundary (if
// any) allows action on resource, one of its policies (inline or attached)
// allows it and none denies it.
func (a *Account) roleMay(roleARN, action, resource string, keys map[string]string) error {
	if roleARN == "" {
		return errors.New("ValidationException: RoleArn is required for an API destination target")
	}
	name := roleARN[strings.LastIndexByte(roleARN, '/')+1:]
	r, ok := a.roles[name]
	if !ok || r.r.ARN != roleARN {
		return fmt.Errorf("AccessDenied: role %s does not exist", roleARN)
	}
	ok, err := allows(r.r.Trust, request{service: "events.amazonaws.com", action: "sts:AssumeRole", resource: roleARN, keys: keys})
	if err != nil || !ok {
		return fmt.Errorf("AccessDenied: role %s does not trust events.amazonaws.com", roleARN)
	}
	if b := r.r.PermissionsBoundary; b != "" {
		if ok, err := identityAllows(a.principalVars(a.managed[b]), action, resource); err != nil || !ok {
			return fmt.Errorf("AccessDenied: the permissions boundary of role %s does not allow %s on %s", roleARN, action, resource)
		}
	}
	allowed := false
	for _, p := range a.rolePolicyDocs(r) {
		p = a.principalVars(p)
		if denied, err := deniesAny(asResourcePolicy(p), request{aws: "self", action: action, resource: resource}); err == nil && denied {
			return fmt.Errorf("AccessDenied: an explicit Deny in a policy of role %s refuses %s on %s", roleARN, action, resource)
		}
		if ok, err := identityAllows(p, action, resource); err == nil && ok {
			allowed = true
		}
	}
	if allowed {
		return nil
	}
	return fmt.Errorf("AccessDenied: role %s may not %s on %s", roleARN, action, resource)
}

// unlockAndInvoke releases the lock, then makes the API-destination requests
// that deliveries queued under it.
func (a *Account) unlockAndInvoke() {
	calls := a.pending
	a.pending = nil
	a.mu.Unlock()
	for _, c := range calls {
		a.invoke(c)
	}
}

// retryable reports whether EventBridge retries an API destination's answer:
// 401, 407, 409, 429 and 5xx are retried; other answers are final.
func retryable(status int) bool {
	switch {
	case status == 0: // no answer (timeout, connection refused)
		return true
	case status == http.StatusUnauthorized, status == http.StatusProxyAuthRequired,
		status == http.StatusConflict, status == http.StatusTooManyRequests:
		return true
	case status >= 500:
		return true
	}
	return false
}

// backoff is the wait before retry n (n ≥ 1): exponential from one second,
// at most five minutes, or what the endpoint's Retry-After asks.
func backoff(n int, retryAfter string) time.Duration {
	if s, err := strconv.Atoi(retryAfter); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	d := time.Second << min(n-1, 16)
	return min(d, 5*time.Minute)
}

// invoke delivers one queued call as EventBridge does: the connection's header
// and body parameters added, rate-limited per destination, retried on a
// retryable answer within the target's retry policy (185 attempts and 24 hours
// by default), and sent to the dead-letter queue when it finally fails. Waits
// pass on a virtual clock (Options.Sleep sees each), so tests run fast.
func (a *Account) invoke(c pendingCall) {
	retries, maxAge := 185, 24*time.Hour
	if c.target.MaxAttempts > 0 {
		retries = c.target.MaxAttempts
	}
	maxAttempts := retries + 1
	if c.target.MaxAge > 0 {
		maxAge = c.target.MaxAge
	}
	start := a.now()
	at := start
	var last error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		a.mu.Lock()
		dst, err := a.destinationFor(c.target.ARN)
		var req *http.Request
		var wait time.Duration
		if err == nil {
			req, err = a.request(dst, c.body)
			if at.Before(dst.next) { // the destination's rate limit
				wait = dst.next.Sub(at)
				at = dst.next
			}
			dst.next = at.Add(time.Second / time.Duration(dst.d.RateLimit))
		}
		a.mu.Unlock()
		if wait > 0 {
			a.sleep(wait)
		}
		if err != nil {
			last = err
			break // a deauthorized connection or inactive destination is not retried
		}
		status, retryAfter, err := a.send(req)
		a.mu.Lock()
		a.invocations = append(a.invocations, Invocation{Destination: c.target.ARN, Attempt: attempt, At: at, Status: status, Err: err})
		a.mu.Unlock()
		if err == nil && status < 300 {
			return
		}
		last = err
		if err == nil {
			last = fmt.Errorf("API destination answered HTTP %d", status)
		}
		if !retryable(status) || attempt == maxAttempts {
			break
		}
		wait = backoff(attempt, retryAfter)
		if at.Add(wait).Sub(start) > maxAge {
			break
		}
		a.sleep(wait)
		at = at.Add(wait)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	rl := &rule{r: c.rule}
	f := Failure{Rule: c.rule.ARN, Target: c.target.ARN, Err: last}
	if c.target.DeadLetterARN != "" {
		f.DeadLetter = a.deadLetter(rl, c.target, c.event)
	}
	a.failures = append(a.failures, f)
}

// request builds the HTTP request EventBridge sends through the destination's
// connection. The caller holds the lock.
func (a *Account) request(dst *destination, body string) (*http.Request, error) {
	conn := a.api(arnRegion(dst.d.ARN)).connByARN(dst.d.ConnectionARN) // destinationFor found it
	if len(conn.body) > 0 {
		// Body parameters go into a JSON object body; other bodies are sent
		// as they are.
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &obj); err == nil && obj != nil {
			for _, p := range conn.body {
				v, _ := json.Marshal(p.Value)
				obj[p.Key] = v
			}
			b, _ := json.Marshal(obj)
			body = string(b)
		}
	}
	req, err := http.NewRequest(dst.d.Method, dst.d.Endpoint, bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, fmt.Errorf("API destination %s: %w", dst.d.Name, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Amazon/EventBridge/ApiDestinations")
	req.Header.Set(conn.c.APIKeyName, conn.key)
	return req, nil
}

// send makes one request within EventBridge's timeout.
func (a *Account) send(req *http.Request) (status int, retryAfter string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), cloud.DestinationTimeout)
	defer cancel()
	client := a.httpClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}

func (a *Account) sleep(d time.Duration) {
	if a.sleepFn != nil {
		a.sleepFn(d)
	}
}
