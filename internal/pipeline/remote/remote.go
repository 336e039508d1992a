// Package remote defines the storage a DVC cache is pushed to and pulled
// from. Keys are slash paths mirroring the cache layout
// ("files/md5/ab/cdef…"); backends live in subpackages (local, s3).
package remote

import (
	"context"
	"errors"
)

// Remote is a key/object store holding cache objects.
type Remote interface {
	// Exists reports whether key is stored.
	Exists(ctx context.Context, key string) (bool, error)
	// Upload stores the file at localPath under key.
	Upload(ctx context.Context, key, localPath string) error
	// Download writes the object at key to localPath.
	Download(ctx context.Context, key, localPath string) error
	// List returns every key under prefix.
	List(ctx context.Context, prefix string) ([]string, error)
}

// ErrNotFound is returned (wrapped) by Download for a missing key.
var ErrNotFound = errors.New("object not found in remote")
