package chain

// Status is the verdict on one link, or the worst of several.
type Status string

const (
	OK    Status = "ok"    // the link works as deploy sets it up
	Warn  Status = "warn"  // it works, but an alert may be missed, delayed or reach fewer people
	Fail  Status = "fail"  // it is broken: alerts are lost
	Error Status = "error" // it could not be read (only a reader of AWS says so)
)

// rank orders statuses from best to worst; the zero Status ranks below OK so
// that folding Worse over verdicts may start from it.
func (s Status) rank() int {
	switch s {
	case "":
		return -1
	case OK:
		return 0
	case Warn:
		return 1
	case Fail:
		return 2
	default:
		return 3
	}
}

// Worse returns the worse of s and t.
func (s Status) Worse(t Status) Status {
	if t.rank() > s.rank() {
		return t
	}
	return s
}

// Verdict is the judgement of one link: its status, what is wrong (or right)
// in words, and what to do about it.
type Verdict struct {
	Status Status
	Detail string
	Fix    string // "" when there is nothing to do or no one fix
}

func ok(detail string) Verdict { return Verdict{Status: OK, Detail: detail} }

func warn(detail, fix string) Verdict { return Verdict{Status: Warn, Detail: detail, Fix: fix} }

func fail(detail, fix string) Verdict { return Verdict{Status: Fail, Detail: detail, Fix: fix} }

// Redeploy is the fix for anything rootwatch deploy sets up.
const Redeploy = "run 'rootwatch deploy' to restore it"
