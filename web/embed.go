// Package web holds the Movie Genie web app (React + TypeScript + Vite,
// sources under src/) and embeds its build output for the genie binary.
//
// `npm --prefix web ci && npm --prefix web run build` writes dist/; a Go
// build after that embeds it. Without dist/ the binary still builds: the
// pattern below also matches dist-missing.html (committed), which
// internal/webui serves instead, saying how to build the app.
package web

import "embed"

// Files holds dist/ (when built) and dist-missing.html.
//
//go:embed all:dist*
var Files embed.FS
