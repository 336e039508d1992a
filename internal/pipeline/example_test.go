package pipeline_test

import (
	"fmt"

	"github.com/moviegenie/genie/internal/pipeline"
)

// A directory's hash is the MD5 of DVC's JSON manifest, plus ".dir".
func ExampleDirHash() {
	hi := pipeline.DirHash([]pipeline.DirEntry{
		{RelPath: "foo", MD5: "acbd18db4cc2f85cedef654fccc4a4d8", Size: 3},
		{RelPath: "bar", MD5: "37b51d194a7513e45b56f6524f2d51f2", Size: 3},
	})
	fmt.Println(string(pipeline.ManifestBytes(nil)))
	fmt.Println(hi.MD5, hi.Size, hi.NFiles)
	// Output:
	// []
	// 5ea40360f5b4ec688df672a4db9c17d1.dir 6 2
}

// Params compare with Python's equality, as DVC does.
func ExamplePyEqual() {
	m, _ := pipeline.ParseParams([]byte("lr: 1\nuse_gpu: true\n"), ".yaml")
	lr, _ := pipeline.LookupParam(m, "lr")
	gpu, _ := pipeline.LookupParam(m, "use_gpu")
	fmt.Println(pipeline.PyEqual(lr, 1.0), pipeline.PyEqual(gpu, int64(1)))
	// Output: true true
}
