package cloudtest

import (
	"context"

	"github.com/rootwatch/rootwatch/internal/cloud"
)

// Destinations implements cloud.Account.
func (r *Recorder) Destinations(region string) cloud.Destinations {
	return &recDestinations{r: r, region: region, next: r.next.Destinations(region)}
}

type recDestinations struct {
	r      *Recorder
	region string
	next   cloud.Destinations
}

func (d *recDestinations) Connections(ctx context.Context, prefix string) (out []cloud.Connection, err error) {
	err = d.r.do("Connections", d.region, prefix, func() (e error) { out, e = d.next.Connections(ctx, prefix); return })
	return
}

func (d *recDestinations) Connection(ctx context.Context, name string) (out cloud.Connection, err error) {
	err = d.r.do("Connection", d.region, name, func() (e error) { out, e = d.next.Connection(ctx, name); return })
	return
}

func (d *recDestinations) CreateConnection(ctx context.Context, spec cloud.ConnectionSpec) (out cloud.Connection, err error) {
	err = d.r.do("CreateConnection", d.region, spec.Name, func() (e error) { out, e = d.next.CreateConnection(ctx, spec); return })
	return
}

func (d *recDestinations) UpdateConnection(ctx context.Context, spec cloud.ConnectionSpec) (out cloud.Connection, err error) {
	err = d.r.do("UpdateConnection", d.region, spec.Name, func() (e error) { out, e = d.next.UpdateConnection(ctx, spec); return })
	return
}

func (d *recDestinations) DeleteConnection(ctx context.Context, name string) error {
	return d.r.do("DeleteConnection", d.region, name, func() error { return d.next.DeleteConnection(ctx, name) })
}

func (d *recDestinations) Destinations(ctx context.Context, prefix string) (out []cloud.Destination, err error) {
	err = d.r.do("Destinations", d.region, prefix, func() (e error) { out, e = d.next.Destinations(ctx, prefix); return })
	return
}

func (d *recDestinations) Destination(ctx context.Context, name string) (out cloud.Destination, err error) {
	err = d.r.do("Destination", d.region, name, func() (e error) { out, e = d.next.Destination(ctx, name); return })
	return
}

func (d *recDestinations) CreateDestination(ctx context.Context, in cloud.Destination) (out cloud.Destination, err error) {
	err = d.r.do("CreateDestination", d.region, in.Name, func() (e error) { out, e = d.next.CreateDestination(ctx, in); return })
	return
}

func (d *recDestinations) UpdateDestination(ctx context.Context, in cloud.Destination) (out cloud.Destination, err error) {
	err = d.r.do("UpdateDestination", d.region, in.Name, func() (e error) { out, e = d.next.UpdateDestination(ctx, in); return })
	return
}

func (d *recDestinations) DeleteDestination(ctx context.Context, name string) error {
	return d.r.do("DeleteDestination", d.region, name, func() error { return d.next.DeleteDestination(ctx, name) })
}
