package cli

import "context"

func runScan(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}
