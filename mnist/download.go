package mnist

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Mirrors lists the base URLs Download tries in order. Each serves the four
// canonical files gzipped (TrainImagesFile + ".gz", …). The first is the
// original MNIST page; the others are long-lived public copies.
var Mirrors = []string{
	"https://yann.lecun.com/exdb/mnist/",
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
}

// Download fetches the four gzipped MNIST files into dir (creating it),
// trying each of Mirrors in turn, and checks that they parse. Files
// already present in dir are kept. It needs network access; Load never
// calls it. After it succeeds, LoadDir(dir) or GOPHERPROP_MNIST_DIR=dir
// loads the data.
func Download(dir string) error {
	return DownloadContext(context.Background(), dir, Mirrors)
}

// DownloadContext is Download with a context and an explicit list of base
// URLs.
func DownloadContext(ctx context.Context, dir string, mirrors []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mnist.Download: %v", err)
	}
	for _, name := range Files {
		if findFile(dir, name) != "" {
			continue
		}
		var errs []string
		ok := false
		for _, base := range mirrors {
			url := strings.TrimSuffix(base, "/") + "/" + name + ".gz"
			if err := fetch(ctx, url, filepath.Join(dir, name+".gz")); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			ok = true
			break
		}
		if !ok {
			return fmt.Errorf("mnist.Download: could not fetch %s.gz: %s", name, strings.Join(errs, "; "))
		}
	}
	// Check the result parses, without caching it.
	if _, err := readPair(dir, TrainImagesFile, TrainLabelsFile); err != nil {
		return fmt.Errorf("mnist.Download: downloaded files are invalid: %v", err)
	}
	if _, err := readPair(dir, TestImagesFile, TestLabelsFile); err != nil {
		return fmt.Errorf("mnist.Download: downloaded files are invalid: %v", err)
	}
	return nil
}

// fetch downloads url into path atomically (through a temporary file) and
// checks that the content is gzipped and well formed.
func fetch(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: %v", url, err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return fmt.Errorf("%s: not gzipped data", url)
	}
	if _, err := gunzip(b); err != nil {
		return fmt.Errorf("%s: %v", url, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mnist-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
