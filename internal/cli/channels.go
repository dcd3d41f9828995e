package cli

import (
	"flag"
	"fmt"

	"github.com/rootwatch/rootwatch/internal/channel"
)

// channelFlags are deploy's --slack, --teams, --pagerduty and --webhook, each
// repeatable, plus their environment variables. Values are only collected
// while flags are parsed and checked afterwards: the flag package would repeat
// a refused value (the secret) in its error.
type channelFlags map[channel.Kind]*secretList

// secretList collects a repeatable secret flag's values.
type secretList []string

func (s *secretList) String() string { return fmt.Sprintf("%d value(s)", len(*s)) }
func (s *secretList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

var channelUsage = map[channel.Kind]string{
	channel.Slack:     "send alerts to this Slack incoming webhook URL",
	channel.Teams:     "send alerts to this Microsoft Teams Workflows webhook URL (Office 365 connectors are retired)",
	channel.PagerDuty: "trigger PagerDuty incidents with this Events API v2 routing key",
	channel.Webhook:   "POST alerts as JSON to this HTTPS URL",
}

// register adds the flags to fs.
func (f channelFlags) register(fs *flag.FlagSet) {
	for _, k := range channel.Kinds {
		l := &secretList{}
		f[k] = l
		fs.Var(l, string(k), channelUsage[k]+" (repeatable; file://PATH reads it from a file; also $"+k.EnvVar()+"). Plans and status show only its kind and host")
	}
}

// channels parses the values given and the environment variables'.
func (f channelFlags) channels(env *Env) ([]channel.Channel, error) {
	var out []channel.Channel
	for _, k := range channel.Kinds {
		for _, v := range *f[k] {
			c, err := channel.Parse(k, v, nil)
			if err != nil {
				return nil, usageError("%v", err)
			}
			out = append(out, c)
		}
		cs, err := channel.FromEnv(k, env.Getenv, nil)
		if err != nil {
			return nil, usageError("%v", err)
		}
		out = append(out, cs...)
	}
	return out, nil
}
