package pipeline

import (
	"fmt"
	"sort"
	"strings"
)

// DagFormat selects how Dag renders the graph.
type DagFormat int

// Dag output formats.
const (
	DagASCII DagFormat = iota
	DagDot
	DagMermaid
	DagMarkdown
)

// dagGraph is a plain node/edge view used for rendering (stages or outs).
type dagGraph struct {
	nodes []string
	edges [][2]string // producer -> consumer
}

// stageDag returns the stage graph, optionally filtered to a target's
// ancestors (or its whole component with full).
func (r *Repo) stageDag(target string, full, outs bool) (*dagGraph, error) {
	stages := r.Graph.Stages
	if target != "" {
		ts, err := r.Project.Resolve([]string{target})
		if err != nil {
			return nil, err
		}
		set := map[*Stage]bool{}
		if full {
			for _, comp := range r.Graph.Components() {
				for _, s := range comp {
					for _, t := range ts {
						if s == t {
							for _, m := range comp {
								set[m] = true
							}
						}
					}
				}
			}
		} else {
			for _, s := range r.Graph.Plan(ts, false, false) {
				set[s] = true
			}
		}
		var keep []*Stage
		for _, s := range stages {
			if set[s] {
				keep = append(keep, s)
			}
		}
		stages = keep
	}
	in := map[*Stage]bool{}
	for _, s := range stages {
		in[s] = true
	}
	g := &dagGraph{}
	if !outs {
		for _, s := range stages {
			g.nodes = append(g.nodes, s.Addr)
		}
		for _, s := range stages {
			for _, d := range r.Graph.Downstream(s) {
				if in[d] {
					g.edges = append(g.edges, [2]string{s.Addr, d.Addr})
				}
			}
		}
		return g, nil
	}
	for _, s := range stages {
		for _, o := range s.Outs {
			g.nodes = append(g.nodes, r.rel(o.Abs))
		}
	}
	for _, s := range stages {
		for _, d := range s.Deps {
			for _, u := range r.Graph.Upstream(s) {
				if !in[u] {
					continue
				}
				for _, uo := range u.Outs {
					if pathWithin(d.Abs, uo.Abs) || pathWithin(uo.Abs, d.Abs) {
						for _, o := range s.Outs {
							g.edges = append(g.edges, [2]string{r.rel(uo.Abs), r.rel(o.Abs)})
						}
					}
				}
			}
		}
	}
	return g, nil
}

// components splits a dagGraph into weakly connected parts.
func (g *dagGraph) components() []*dagGraph {
	parent := map[string]string{}
	var find func(x string) string
	find = func(x string) string {
		if parent[x] == x {
			return x
		}
		parent[x] = find(parent[x])
		return parent[x]
	}
	for _, n := range g.nodes {
		parent[n] = n
	}
	for _, e := range g.edges {
		a, b := find(e[0]), find(e[1])
		if a != b {
			parent[b] = a
		}
	}
	idx := map[string]int{}
	var out []*dagGraph
	for _, n := range g.nodes {
		root := find(n)
		i, ok := idx[root]
		if !ok {
			i = len(out)
			idx[root] = i
			out = append(out, &dagGraph{})
		}
		out[i].nodes = append(out[i].nodes, n)
	}
	for _, e := range g.edges {
		i := idx[find(e[0])]
		out[i].edges = append(out[i].edges, e)
	}
	return out
}

// Dag renders the pipeline graph like `dvc dag`.
func (r *Repo) Dag(target string, full, outs bool, format DagFormat) (string, error) {
	g, err := r.stageDag(target, full, outs)
	if err != nil {
		return "", err
	}
	switch format {
	case DagDot:
		var b strings.Builder
		b.WriteString("strict digraph  {\n")
		for _, n := range g.nodes {
			fmt.Fprintf(&b, "%q;\n", n)
		}
		for _, e := range g.edges {
			fmt.Fprintf(&b, "%q -> %q;\n", e[0], e[1])
		}
		b.WriteString("}\n")
		return b.String(), nil
	case DagMermaid, DagMarkdown:
		s := mermaid(g)
		if format == DagMarkdown {
			s = "```mermaid\n" + s + "\n```"
		}
		return s + "\n", nil
	}
	var parts []string
	for _, c := range g.components() {
		parts = append(parts, asciiDag(c))
	}
	return strings.Join(parts, "\n"), nil
}

func mermaid(g *dagGraph) string {
	var b strings.Builder
	b.WriteString("flowchart TD")
	total := 0
	for _, c := range g.components() {
		ids := map[string]string{}
		nodes := append([]string(nil), c.nodes...)
		sort.Strings(nodes)
		for _, n := range nodes {
			total++
			ids[n] = fmt.Sprintf("node%d", total)
			fmt.Fprintf(&b, "\n\t%s[\"%s\"]", ids[n], n)
		}
		edges := append([][2]string(nil), c.edges...)
		sort.Slice(edges, func(i, j int) bool {
			if edges[i][0] != edges[j][0] {
				return edges[i][0] < edges[j][0]
			}
			return edges[i][1] < edges[j][1]
		})
		for _, e := range edges {
			fmt.Fprintf(&b, "\n\t%s-->%s", ids[e[0]], ids[e[1]])
		}
	}
	return b.String()
}

// asciiDag draws boxes layer by layer (longest path from the sources),
// with '*' connectors between layers.
func asciiDag(g *dagGraph) string {
	layer := map[string]int{}
	ups := map[string][]string{}
	for _, e := range g.edges {
		ups[e[1]] = append(ups[e[1]], e[0])
	}
	var depth func(n string, seen map[string]bool) int
	depth = func(n string, seen map[string]bool) int {
		if l, ok := layer[n]; ok {
			return l
		}
		if seen[n] {
			return 0
		}
		seen[n] = true
		l := 0
		for _, u := range ups[n] {
			l = max(l, depth(u, seen)+1)
		}
		layer[n] = l
		return l
	}
	maxL := 0
	for _, n := range g.nodes {
		maxL = max(maxL, depth(n, map[string]bool{}))
	}
	var b strings.Builder
	for l := 0; l <= maxL; l++ {
		var row []string
		for _, n := range g.nodes {
			if layer[n] == l {
				row = append(row, n)
			}
		}
		if l > 0 {
			var conn strings.Builder
			for i, n := range row {
				if i > 0 {
					conn.WriteString("   ")
				}
				w := len(n) + 4
				c := strings.Repeat(" ", w/2) + "*" + strings.Repeat(" ", w-w/2-1)
				conn.WriteString(c)
			}
			line := strings.TrimRight(conn.String(), " ")
			for i := 0; i < 3; i++ {
				b.WriteString(line + "\n")
			}
		}
		var top, mid strings.Builder
		for i, n := range row {
			if i > 0 {
				top.WriteString("   ")
				mid.WriteString("   ")
			}
			top.WriteString("+" + strings.Repeat("-", len(n)+2) + "+")
			mid.WriteString("| " + n + " |")
		}
		b.WriteString(top.String() + "\n" + mid.String() + "\n" + top.String() + "\n")
	}
	return b.String()
}
