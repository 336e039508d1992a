// Package s3 is a remote in an S3-compatible bucket (AWS, MinIO, versitygw…),
// using minio-go.
package s3

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/moviegenie/genie/internal/pipeline/remote"
)

// Options configure the client; empty fields fall back to the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_ENDPOINT_URL, AWS_REGION).
type Options struct {
	Endpoint     string // e.g. http://127.0.0.1:7070; default s3.amazonaws.com
	AccessKey    string
	SecretKey    string
	SessionToken string
	Region       string
}

// Remote stores objects under s3://Bucket/Prefix.
type Remote struct {
	client *minio.Client
	Bucket string
	Prefix string
}

// New connects to the bucket named by an s3://bucket/prefix URL.
func New(rawURL string, o Options) (*Remote, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, fmt.Errorf("s3 remote: bad url %q (want s3://bucket/path)", rawURL)
	}
	env := func(v *string, names ...string) {
		for _, n := range names {
			if *v == "" {
				*v = os.Getenv(n)
			}
		}
	}
	env(&o.AccessKey, "AWS_ACCESS_KEY_ID")
	env(&o.SecretKey, "AWS_SECRET_ACCESS_KEY")
	env(&o.SessionToken, "AWS_SESSION_TOKEN")
	env(&o.Endpoint, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
	env(&o.Region, "AWS_REGION", "AWS_DEFAULT_REGION")
	endpoint, secure := "s3.amazonaws.com", true
	if o.Endpoint != "" {
		eu, err := url.Parse(o.Endpoint)
		if err != nil || eu.Host == "" {
			return nil, fmt.Errorf("s3 remote: bad endpoint %q", o.Endpoint)
		}
		endpoint, secure = eu.Host, eu.Scheme != "http"
	}
	var creds *credentials.Credentials
	if o.AccessKey != "" {
		creds = credentials.NewStaticV4(o.AccessKey, o.SecretKey, o.SessionToken)
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}, &credentials.IAM{}})
	}
	c, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: secure, Region: o.Region, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("s3 remote: %w", err)
	}
	return &Remote{client: c, Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}, nil
}

func (r *Remote) key(k string) string {
	if r.Prefix == "" {
		return k
	}
	return path.Join(r.Prefix, k)
}

// Exists reports whether key is stored.
func (r *Remote) Exists(ctx context.Context, key string) (bool, error) {
	_, err := r.client.StatObject(ctx, r.Bucket, r.key(key), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if minio.ToErrorResponse(err).Code == "NoSuchKey" || minio.ToErrorResponse(err).StatusCode == 404 {
		return false, nil
	}
	return false, fmt.Errorf("s3 remote: stat %s: %w", key, err)
}

// Upload stores localPath under key.
func (r *Remote) Upload(ctx context.Context, key, localPath string) error {
	if _, err := r.client.FPutObject(ctx, r.Bucket, r.key(key), localPath, minio.PutObjectOptions{ContentType: "application/octet-stream"}); err != nil {
		return fmt.Errorf("s3 remote: upload %s: %w", key, err)
	}
	return nil
}

// Download writes key to localPath (atomically).
func (r *Remote) Download(ctx context.Context, key, localPath string) error {
	tmp := filepath.Join(filepath.Dir(localPath), "."+filepath.Base(localPath)+".tmp-s3")
	if err := r.client.FGetObject(ctx, r.Bucket, r.key(key), tmp, minio.GetObjectOptions{}); err != nil {
		os.Remove(tmp)
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return fmt.Errorf("s3 remote: %s: %w", key, remote.ErrNotFound)
		}
		return fmt.Errorf("s3 remote: download %s: %w", key, err)
	}
	if err := os.Rename(tmp, localPath); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("s3 remote: %w", err)
	}
	return nil
}

// List returns the keys under prefix (relative to the remote's prefix).
func (r *Remote) List(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	base := r.key("")
	for obj := range r.client.ListObjects(ctx, r.Bucket, minio.ListObjectsOptions{Prefix: r.key(prefix), Recursive: true}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("s3 remote: list: %w", obj.Err)
		}
		k := obj.Key
		if base != "" {
			k = strings.TrimPrefix(strings.TrimPrefix(k, base), "/")
		}
		out = append(out, k)
	}
	return out, nil
}

// EnsureBucket creates the bucket if it does not exist (used by tests and
// first pushes to a fresh endpoint).
func (r *Remote) EnsureBucket(ctx context.Context) error {
	ok, err := r.client.BucketExists(ctx, r.Bucket)
	if err != nil {
		return fmt.Errorf("s3 remote: bucket %s: %w", r.Bucket, err)
	}
	if ok {
		return nil
	}
	if err := r.client.MakeBucket(ctx, r.Bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		return fmt.Errorf("s3 remote: create bucket %s: %w", r.Bucket, err)
	}
	return nil
}

var _ remote.Remote = (*Remote)(nil)
