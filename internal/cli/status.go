package cli

import "context"

func runStatus(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}
