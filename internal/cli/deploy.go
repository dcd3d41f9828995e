package cli

import "context"

func runDeploy(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}

func runDestroy(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}

func runIAMPolicy(ctx context.Context, env *Env, g *globals, args []string) error {
	return usageError("not implemented yet")
}
