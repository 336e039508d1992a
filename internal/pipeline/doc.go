// Package pipeline is a DVC-3-compatible pipeline runner: it reads dvc.yaml,
// params files and dvc.lock, hashes data the way DVC does, keeps DVC's
// content-addressed cache and run-cache, and reproduces stages (optionally in
// parallel) so that a repository it touched is reported up to date by DVC and
// vice versa.
//
// The vocabulary follows DVC: a Project holds Stages read from dvc.yaml files;
// a Stage has deps, params and outs; a Lock records their hashes; the Cache
// stores objects under .dvc/cache/files/md5; a Remote mirrors the cache.
package pipeline
