package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func loadReal(t *testing.T) *Set {
	t.Helper()
	s, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func TestLoadRealFiles(t *testing.T) {
	s := loadReal(t)
	if s.Train.Len() != TrainSize || s.Test.Len() != TestSize {
		t.Fatalf("sizes %d/%d, want %d/%d", s.Train.Len(), s.Test.Len(), TrainSize, TestSize)
	}
	for _, d := range []*Data{s.Train, s.Test} {
		counts := make([]int, Classes)
		for i := 0; i < d.Len(); i++ {
			l := d.Label(i)
			if l < 0 || l >= Classes {
				t.Fatalf("label %d is %d", i, l)
			}
			counts[l]++
		}
		for l, c := range counts {
			if c < d.Len()/20 {
				t.Errorf("only %d samples of digit %d", c, l)
			}
		}
	}
	// Published class counts of the training set.
	lc := make([]int, Classes)
	for _, l := range s.Train.Labels() {
		lc[l]++
	}
	if lc[1] != 6742 || lc[5] != 5421 {
		t.Errorf("training set has %d ones and %d fives, want 6742 and 5421", lc[1], lc[5])
	}
	// First labels of each set: 5 0 4 1 9 and 7 2 1 0 4.
	for i, want := range []int{5, 0, 4, 1, 9} {
		if got := s.Train.Label(i); got != want {
			t.Errorf("Train.Label(%d) = %d, want %d", i, got, want)
		}
	}
	for i, want := range []int{7, 2, 1, 0, 4} {
		if got := s.Test.Label(i); got != want {
			t.Errorf("Test.Label(%d) = %d, want %d", i, got, want)
		}
	}
	// Known pixels of the first training image (a 5): row 5, column 16 is
	// 126/255; row 14, column 14 is 240/255; the corner is 0.
	x := s.Train.Image(0)
	if x.Len() != Pixels {
		t.Fatalf("image length %d", x.Len())
	}
	for _, c := range []struct {
		r, c int
		want float64
	}{{5, 16, 126.0 / 255}, {14, 14, 240.0 / 255}, {0, 0, 0}, {5, 12, 3.0 / 255}} {
		if got := x.AtVec(c.r*Cols + c.c); got != c.want {
			t.Errorf("Train.Image(0) pixel (%d,%d) = %v, want %v", c.r, c.c, got, c.want)
		}
	}
	if raw := s.Train.RawImage(0); raw[5*Cols+16] != 126 {
		t.Errorf("RawImage(0)[5,16] = %d, want 126", raw[5*Cols+16])
	}
	// Every pixel of a few images is in [0,1] and some ink is present.
	for _, i := range []int{0, 1, 59999} {
		v := s.Train.Image(i)
		if mat.Max(v) > 1 || mat.Min(v) < 0 || mat.Max(v) == 0 {
			t.Errorf("image %d pixels in [%v,%v]", i, mat.Min(v), mat.Max(v))
		}
	}
	// One-hot targets.
	y := s.Test.OneHot(0)
	if y.Len() != Classes || y.AtVec(7) != 1 || mat.Sum(y) != 1 {
		t.Errorf("Test.OneHot(0) = %v, want e7", mat.Formatted(y.T()))
	}
	// Load caches.
	if s2 := loadReal(t); s2 != s {
		t.Error("second Load returned a different *Set")
	}
}

func TestBatchMatchesImages(t *testing.T) {
	s := loadReal(t)
	idx := []int{3, 0, 59999, 17}
	xs, ys := s.Train.Batch(idx)
	if r, c := xs.Dims(); r != Pixels || c != len(idx) {
		t.Fatalf("images %d×%d", r, c)
	}
	if r, c := ys.Dims(); r != Classes || c != len(idx) {
		t.Fatalf("targets %d×%d", r, c)
	}
	for j, i := range idx {
		if !mat.Equal(xs.ColView(j), s.Train.Image(i)) {
			t.Errorf("column %d differs from Image(%d)", j, i)
		}
		if !mat.Equal(ys.ColView(j), s.Train.OneHot(i)) {
			t.Errorf("target column %d differs from OneHot(%d)", j, i)
		}
	}
	sub := s.Train.Subset(idx)
	sl := s.Train.Slice(59990, 60000)
	if sub.Len() != 4 || sub.Label(2) != s.Train.Label(59999) || !mat.Equal(sub.Image(1), s.Train.Image(0)) {
		t.Error("Subset does not hold the chosen samples")
	}
	if sl.Len() != 10 || sl.Label(9) != s.Train.Label(59999) || !mat.Equal(sl.Image(0), s.Train.Image(59990)) {
		t.Error("Slice does not hold the chosen samples")
	}
	if r := s.Train.Range(5, 8); len(r) != 3 || r[0] != 5 || r[2] != 7 {
		t.Errorf("Range(5,8) = %v", r)
	}
	dst := mat.NewVecDense(Pixels, nil)
	if !mat.Equal(s.Test.ImageInto(dst, 9), s.Test.Image(9)) {
		t.Error("ImageInto differs from Image")
	}
}

func TestPanicsNameTheProblem(t *testing.T) {
	d, err := NewData(make([]byte, 2*Pixels), []uint8{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"Image", func() { d.Image(2) }, "mnist.Image: index 2 out of range [0,2)"},
		{"Label", func() { d.Label(-1) }, "mnist.Label: index -1 out of range"},
		{"Batch empty", func() { d.Batch(nil) }, "mnist.Batch: no indices"},
		{"Batch range", func() { d.Batch([]int{0, 5}) }, "mnist.Batch: index 5"},
		{"ImageInto", func() { d.ImageInto(mat.NewVecDense(10, nil), 0) }, "destination has length 10, want 784"},
		{"OneHot", func() { OneHot(10) }, "label 10 is not a digit"},
		{"Slice", func() { d.Slice(1, 3) }, "[1,3) is not within [0,2]"},
		{"Score", func() { Score(d, []int{1}) }, "1 predictions for 2 samples"},
		{"Confusion", func() { Confusion(d, []int{1, 11}) }, "prediction 1 is 11"},
		{"Predict", func() { Predict(d, func(*mat.VecDense) *mat.VecDense { return mat.NewVecDense(3, nil) }) }, "length 3 for image 0, want 10"},
		{"ArgMax", func() { ArgMax(&mat.VecDense{}) }, "empty vector"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				if s, _ := r.(string); !strings.Contains(s, c.want) {
					t.Errorf("panic %q does not contain %q", r, c.want)
				}
			}()
			c.f()
		})
	}
	if _, err := NewData(make([]byte, 10), []uint8{1}); err == nil || !strings.Contains(err.Error(), "need 784 pixel bytes, got 10") {
		t.Errorf("NewData length error = %v", err)
	}
	if _, err := NewData(make([]byte, Pixels), []uint8{12}); err == nil || !strings.Contains(err.Error(), "label 0 is 12") {
		t.Errorf("NewData label error = %v", err)
	}
}

func TestEvalHelpers(t *testing.T) {
	labels := []uint8{0, 1, 2, 1, 9}
	d, err := NewData(make([]byte, len(labels)*Pixels), labels)
	if err != nil {
		t.Fatal(err)
	}
	pred := []int{0, 1, 1, 1, 3}
	if got := Score(d, pred); got != 0.6 {
		t.Errorf("Score = %v, want 0.6", got)
	}
	if got := Wrong(d, pred); len(got) != 2 || got[0] != 2 || got[1] != 4 {
		t.Errorf("Wrong = %v, want [2 4]", got)
	}
	c := Confusion(d, pred)
	if c.At(1, 1) != 2 || c.At(2, 1) != 1 || c.At(9, 3) != 1 || c.At(0, 0) != 1 || mat.Sum(c) != 5 {
		t.Errorf("Confusion =\n%v", mat.Formatted(c))
	}
	if got := ArgMax(mat.NewVecDense(4, []float64{1, 5, 5, -2})); got != 1 {
		t.Errorf("ArgMax = %d, want 1 (first of ties)", got)
	}
	// A predictor that always says "1" is right on 2 of 5.
	one := OneHot(1)
	if got := Accuracy(d, func(*mat.VecDense) *mat.VecDense { return one }); got != 0.4 {
		t.Errorf("Accuracy = %v, want 0.4", got)
	}
}

// TestAccuracyOnRealData uses a predictor that looks its answer up from the
// image's pixels, so it must score 1 on the test set; a shifted one scores
// about 0.1.
func TestAccuracyOnRealData(t *testing.T) {
	s := loadReal(t)
	d := s.Test.Slice(0, 500)
	byImage := map[string]int{}
	for i := 0; i < d.Len(); i++ {
		byImage[string(d.RawImage(i))] = d.Label(i)
	}
	key := func(x *mat.VecDense) string {
		b := make([]byte, Pixels)
		for k := range b {
			b[k] = byte(math.Round(x.AtVec(k) * 255))
		}
		return string(b)
	}
	exact := func(x *mat.VecDense) *mat.VecDense { return OneHot(byImage[key(x)]) }
	shifted := func(x *mat.VecDense) *mat.VecDense { return OneHot((byImage[key(x)] + 1) % 10) }
	if got := Accuracy(d, exact); got != 1 {
		t.Errorf("exact predictor accuracy %v, want 1", got)
	}
	if got := Accuracy(d, shifted); got != 0 {
		t.Errorf("shifted predictor accuracy %v, want 0", got)
	}
}

// writeIDX writes the set s into dir uncompressed (gz false) or gzipped.
func writeIDX(t *testing.T, dir string, d *Data, images, labels string, gz bool) {
	t.Helper()
	var ib, lb bytes.Buffer
	binary.Write(&ib, binary.BigEndian, []uint32{imageMagic, uint32(d.Len()), Rows, Cols})
	ib.Write(d.pixels)
	binary.Write(&lb, binary.BigEndian, []uint32{labelMagic, uint32(d.Len())})
	lb.Write(d.labels)
	for name, b := range map[string][]byte{images: ib.Bytes(), labels: lb.Bytes()} {
		if gz {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(b)
			w.Close()
			b, name = z.Bytes(), name+".gz"
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadDirUncompressedAndGzipped(t *testing.T) {
	s := loadReal(t)
	dir := t.TempDir()
	train, test := s.Train.Slice(100, 130), s.Test.Slice(0, 20)
	writeIDX(t, dir, train, TrainImagesFile, TrainLabelsFile, false)
	writeIDX(t, dir, test, TestImagesFile, TestLabelsFile, true)
	got, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Train.Len() != 30 || got.Test.Len() != 20 {
		t.Fatalf("sizes %d/%d", got.Train.Len(), got.Test.Len())
	}
	if !mat.Equal(got.Train.Image(7), s.Train.Image(107)) || got.Test.Label(3) != s.Test.Label(3) {
		t.Error("content differs from the original files")
	}
	t.Setenv(EnvDir, dir)
	viaEnv, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if viaEnv.Train.Len() != 30 {
		t.Errorf("Load with $%s read %d training samples, want 30", EnvDir, viaEnv.Train.Len())
	}
}

func TestLoadErrors(t *testing.T) {
	good := func() (img, lab []byte) {
		var ib, lb bytes.Buffer
		binary.Write(&ib, binary.BigEndian, []uint32{imageMagic, 2, Rows, Cols})
		ib.Write(make([]byte, 2*Pixels))
		binary.Write(&lb, binary.BigEndian, []uint32{labelMagic, 2})
		lb.Write([]byte{3, 4})
		return ib.Bytes(), lb.Bytes()
	}
	for _, c := range []struct {
		name   string
		mutate func(img, lab []byte) ([]byte, []byte)
		want   string
	}{
		{"ok", func(i, l []byte) ([]byte, []byte) { return i, l }, ""},
		{"bad image magic", func(i, l []byte) ([]byte, []byte) { i[3] = 1; return i, l }, "not that of an IDX image file"},
		{"bad label magic", func(i, l []byte) ([]byte, []byte) { l[3] = 3; return i, l }, "not that of an IDX label file"},
		{"truncated images", func(i, l []byte) ([]byte, []byte) { return i[:len(i)-1], l }, "header says 2 images"},
		{"short header", func(i, l []byte) ([]byte, []byte) { return i[:10], l }, "too short"},
		{"wrong size", func(i, l []byte) ([]byte, []byte) { i[11] = 27; return i, l }, "images are 27×28"},
		{"bad label", func(i, l []byte) ([]byte, []byte) { l[9] = 10; return i, l }, "label 1 is 10"},
		{"count mismatch", func(i, l []byte) ([]byte, []byte) {
			l = append(l[:7:7], 1, 3)
			return i, l
		}, "has 2 images but"},
		{"bad gzip", func(i, l []byte) ([]byte, []byte) { return append([]byte{0x1f, 0x8b}, i...), l }, "bad gzip data"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			img, lab := good()
			img, lab = c.mutate(img, lab)
			os.WriteFile(filepath.Join(dir, TrainImagesFile), img, 0o644)
			os.WriteFile(filepath.Join(dir, TrainLabelsFile), lab, 0o644)
			i2, l2 := good()
			os.WriteFile(filepath.Join(dir, TestImagesFile), i2, 0o644)
			os.WriteFile(filepath.Join(dir, TestLabelsFile), l2, 0o644)
			s, err := LoadDir(dir)
			if c.want == "" {
				if err != nil || s.Train.Len() != 2 || s.Train.Label(1) != 4 {
					t.Fatalf("LoadDir = %v, %v", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("error %v, want one naming the file and containing %q", err, c.want)
			}
		})
	}
	if _, err := LoadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "has no file train-images-idx3-ubyte or train-images-idx3-ubyte.gz") {
		t.Errorf("empty dir error: %v", err)
	}
}

func TestLocateErrorsSayWhatToDo(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(EnvDir, empty)
	_, err := Locate()
	if err == nil || !strings.Contains(err.Error(), "lacks "+strings.Join(Files, ", ")) || !strings.Contains(err.Error(), "mnist.Download") {
		t.Errorf("error with empty $%s: %v", EnvDir, err)
	}

	// No module cache anywhere.
	t.Setenv(EnvDir, "")
	t.Setenv("GOMODCACHE", empty)
	t.Setenv("GOPATH", empty)
	t.Setenv("HOME", empty)
	t.Setenv("PATH", empty)
	locateMu.Lock()
	saved := locateDir
	locateDir = ""
	locateMu.Unlock()
	defer func() { locateMu.Lock(); locateDir = saved; locateMu.Unlock() }()
	_, err = Locate()
	if err == nil {
		t.Fatal("Locate found files in an empty module cache")
	}
	for _, want := range []string{"go mod download " + ModulePath + "@" + ModuleVersion, EnvDir, "mnist.Download(dir)", empty} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}

	// A module cache holding another version is found.
	other := filepath.Join(empty, "github.com", "petar", "!go!m!n!i!s!t@v1.2.3", "data")
	os.MkdirAll(other, 0o755)
	for _, f := range Files {
		os.WriteFile(filepath.Join(other, f+".gz"), []byte("x"), 0o644)
	}
	dir, err := Locate()
	if err != nil || dir != other {
		t.Errorf("Locate = %q, %v; want %q", dir, err, other)
	}
}

// TestLocateWithoutGoModule runs Locate the way a kernel does: from a
// directory outside any module, through the default module cache.
func TestLocateWithoutGoModule(t *testing.T) {
	t.Setenv(EnvDir, "")
	t.Chdir(t.TempDir())
	locateMu.Lock()
	saved := locateDir
	locateDir = ""
	locateMu.Unlock()
	defer func() { locateMu.Lock(); locateDir = saved; locateMu.Unlock() }()
	dir, err := Locate()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(filepath.ToSlash(dir), "github.com/petar/!go!m!n!i!s!t@"+ModuleVersion+"/data") {
		t.Errorf("Locate = %s, want the pinned module's data folder", dir)
	}
}

// TestModuleVersionMatchesGoMod keeps ModuleVersion equal to the version
// go.mod requires, so that `go mod download` fetches the folder Locate
// looks in first.
func TestModuleVersionMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(ModulePath) + `\s+(\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("go.mod does not require %s", ModulePath)
	}
	if string(m[1]) != ModuleVersion {
		t.Errorf("go.mod requires %s %s but mnist.ModuleVersion is %s", ModulePath, m[1], ModuleVersion)
	}
}

func TestDownloadFromMirror(t *testing.T) {
	src := loadReal(t).Dir
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path)
		if strings.HasPrefix(r.URL.Path, "/broken/") {
			http.Error(w, "gone", http.StatusNotFound)
			return
		}
		name := filepath.Base(r.URL.Path)
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "mnist")
	if err := DownloadContext(t.Context(), dir, []string{srv.URL + "/broken/", srv.URL + "/ok"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 || got[0] != "/broken/train-images-idx3-ubyte.gz" || got[1] != "/ok/train-images-idx3-ubyte.gz" {
		t.Errorf("requests %v", got)
	}
	s, err := LoadDir(dir)
	if err != nil || s.Train.Len() != TrainSize || s.Test.Len() != TestSize {
		t.Fatalf("LoadDir after Download: %v", err)
	}
	// Files present are not fetched again.
	got = nil
	if err := DownloadContext(t.Context(), dir, []string{srv.URL + "/ok"}); err != nil || len(got) != 0 {
		t.Errorf("second Download: %v, requests %v", err, got)
	}
	err = DownloadContext(t.Context(), t.TempDir(), []string{srv.URL + "/broken"})
	if err == nil || !strings.Contains(err.Error(), "could not fetch train-images-idx3-ubyte.gz") || !strings.Contains(err.Error(), "404") {
		t.Errorf("Download from a broken mirror: %v", err)
	}
}
