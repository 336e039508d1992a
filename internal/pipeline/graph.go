package pipeline

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Graph is the stage dependency graph: an edge from a stage to every stage
// producing one of its deps.
type Graph struct {
	Stages     []*Stage
	upstream   map[*Stage][]*Stage // producers, in dep order
	downstream map[*Stage][]*Stage // consumers, in stage order
}

// BuildGraph connects stages by their paths and rejects overlapping outputs
// and cycles.
func BuildGraph(p *Project) (*Graph, error) {
	g := &Graph{Stages: p.Stages, upstream: map[*Stage][]*Stage{}, downstream: map[*Stage][]*Stage{}}
	type outRef struct {
		s *Stage
		o *Out
	}
	var outs []outRef
	for _, s := range p.Stages {
		for i := range s.Outs {
			outs = append(outs, outRef{s, &s.Outs[i]})
		}
	}
	for i := range outs {
		for j := i + 1; j < len(outs); j++ {
			a, b := outs[i], outs[j]
			if pathWithin(a.o.Abs, b.o.Abs) || pathWithin(b.o.Abs, a.o.Abs) {
				ra, _ := filepath.Rel(p.Root, a.o.Abs)
				rb, _ := filepath.Rel(p.Root, b.o.Abs)
				if a.s == b.s && ra == rb {
					return nil, fmt.Errorf("stage '%s': output '%s' is listed twice", a.s.Addr, a.o.Path)
				}
				return nil, fmt.Errorf("overlapping outputs: '%s' of stage '%s' and '%s' of stage '%s'",
					filepath.ToSlash(ra), a.s.Addr, filepath.ToSlash(rb), b.s.Addr)
			}
		}
	}
	for _, s := range p.Stages {
		seen := map[*Stage]bool{}
		var paths []string
		for _, d := range s.Deps {
			paths = append(paths, d.Abs)
		}
		for _, pd := range s.Params {
			paths = append(paths, pd.Abs)
		}
		for _, dp := range paths {
			for _, o := range outs {
				if pathWithin(dp, o.o.Abs) || pathWithin(o.o.Abs, dp) {
					if o.s == s {
						return nil, fmt.Errorf("stage '%s': dependency '%s' is also one of its outputs (cycle)", s.Addr, relTo(p.Root, dp))
					}
					if !seen[o.s] {
						seen[o.s] = true
						g.upstream[s] = append(g.upstream[s], o.s)
					}
				}
			}
		}
	}
	for _, s := range p.Stages {
		for _, u := range g.upstream[s] {
			g.downstream[u] = append(g.downstream[u], s)
		}
	}
	if err := g.checkCycles(); err != nil {
		return nil, err
	}
	return g, nil
}

func relTo(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func (g *Graph) checkCycles() error {
	state := map[*Stage]int{} // 1 visiting, 2 done
	var stack []*Stage
	var visit func(s *Stage) error
	visit = func(s *Stage) error {
		switch state[s] {
		case 1:
			var names []string
			start := 0
			for i, x := range stack {
				if x == s {
					start = i
				}
			}
			for _, x := range stack[start:] {
				names = append(names, x.Addr)
			}
			names = append(names, s.Addr)
			return fmt.Errorf("pipeline has a cycle: %s", strings.Join(names, " -> "))
		case 2:
			return nil
		}
		state[s] = 1
		stack = append(stack, s)
		for _, u := range g.upstream[s] {
			if err := visit(u); err != nil {
				return err
			}
		}
		stack = stack[:len(stack)-1]
		state[s] = 2
		return nil
	}
	for _, s := range g.Stages {
		if err := visit(s); err != nil {
			return err
		}
	}
	return nil
}

// Upstream returns the stages producing s's deps.
func (g *Graph) Upstream(s *Stage) []*Stage { return g.upstream[s] }

// Downstream returns the stages depending on s's outs.
func (g *Graph) Downstream(s *Stage) []*Stage { return g.downstream[s] }

// activeUpstream is Upstream with frozen stages' upstream edges cut.
func (g *Graph) activeUpstream(s *Stage) []*Stage {
	if s.Frozen {
		return nil
	}
	return g.upstream[s]
}

// Plan returns the stages to reproduce, dependencies first.
// single: only the targets, in the given order; downstream: the targets and
// everything depending on them.
func (g *Graph) Plan(targets []*Stage, single, downstream bool) []*Stage {
	if single {
		var out []*Stage
		seen := map[*Stage]bool{}
		for _, t := range targets {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
		return out
	}
	if downstream {
		set := map[*Stage]bool{}
		var mark func(s *Stage)
		mark = func(s *Stage) {
			if set[s] {
				return
			}
			set[s] = true
			for _, d := range g.downstream[s] {
				if !d.Frozen {
					mark(d)
				}
			}
		}
		for _, t := range targets {
			mark(t)
		}
		var roots []*Stage
		for _, s := range g.Stages {
			if set[s] {
				roots = append(roots, s)
			}
		}
		return g.upstreamFirst(roots, func(s *Stage) bool { return set[s] })
	}
	return g.upstreamFirst(targets, func(*Stage) bool { return true })
}

// upstreamFirst returns roots and the stages they depend on (through the
// stages keep admits only), each after its dependencies, visiting roots in
// order.
func (g *Graph) upstreamFirst(roots []*Stage, keep func(*Stage) bool) []*Stage {
	var out []*Stage
	done := map[*Stage]bool{}
	var visit func(s *Stage)
	visit = func(s *Stage) {
		if done[s] {
			return
		}
		done[s] = true
		for _, u := range g.activeUpstream(s) {
			if keep(u) {
				visit(u)
			}
		}
		out = append(out, s)
	}
	for _, s := range roots {
		visit(s)
	}
	return out
}

// Components splits stages into weakly connected components, each in
// stage order, ordered by their first stage.
func (g *Graph) Components() [][]*Stage {
	comp := map[*Stage]int{}
	var groups [][]*Stage
	for _, s := range g.Stages {
		if _, ok := comp[s]; ok {
			continue
		}
		id := len(groups)
		stack := []*Stage{s}
		comp[s] = id
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, n := range append(append([]*Stage{}, g.upstream[x]...), g.downstream[x]...) {
				if _, ok := comp[n]; !ok {
					comp[n] = id
					stack = append(stack, n)
				}
			}
		}
		groups = append(groups, nil)
		for _, m := range g.Stages {
			if comp[m] == id {
				groups[id] = append(groups[id], m)
			}
		}
	}
	return groups
}
