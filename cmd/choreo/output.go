package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// output is a file a command writes, named by the flag that gives it.
type output struct {
	flag string // "-o", "--traces", "--fault-log", "--suggest-map"
	path string // "" or "-": standard output
}

// checkOutputs refuses, before any work, outputs that could not be
// written: a directory, a missing or unwritable folder, a file that may
// not be written; and two outputs that name the same file or both
// standard output.
func checkOutputs(outs ...output) error {
	seen := map[string]string{} // absolute path (or "-") -> flag
	stdoutFlag := ""
	for _, o := range outs {
		if o.path == "" || o.path == "-" {
			if o.path == "-" || o.flag == "-o" {
				if stdoutFlag != "" {
					return &usageError{msg: fmt.Sprintf("%s and %s both write to standard output: give one of them a file", stdoutFlag, o.flag)}
				}
				stdoutFlag = o.flag
			}
			continue
		}
		if err := checkOutput(o.path); err != nil {
			return fmt.Errorf("%s %s: %w", o.flag, o.path, err)
		}
		abs, err := filepath.Abs(o.path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", o.flag, o.path, err)
		}
		if resolved, err := filepath.EvalSymlinks(abs); err == nil {
			abs = resolved
		}
		if prev, ok := seen[abs]; ok {
			return &usageError{msg: fmt.Sprintf("%s and %s both name %s: give each its own file", prev, o.flag, o.path)}
		}
		seen[abs] = o.flag
	}
	return nil
}

// checkOutput tells why path could not be written, or nil.
func checkOutput(path string) error {
	target := writeTarget(path)
	fi, err := os.Stat(target)
	switch {
	case err == nil && fi.IsDir():
		return errors.New("is a directory, not a file")
	case err == nil && !fi.Mode().IsRegular():
		// a device or a pipe is written in place: can it be opened?
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return unwrapPath(err)
		}
		return f.Close()
	case err == nil:
		// an existing file that its owner made read-only stays so
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return unwrapPath(err)
		}
		f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return unwrapPath(err)
	}
	dir := filepath.Dir(target)
	if di, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("folder %s does not exist", dir)
		}
		return unwrapPath(err)
	} else if !di.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	// the temporary file a write goes through must be possible there
	f, err := os.CreateTemp(dir, tempPattern(target))
	if err != nil {
		return fmt.Errorf("cannot write in folder %s: %w", dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// unwrapPath drops the *fs.PathError's own op and path, which the caller
// names better ("-o out.json: permission denied").
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// writeTarget is the file a write to path replaces: path itself, or the
// file its symbolic link points to (the link stays).
func writeTarget(path string) string {
	if t, err := filepath.EvalSymlinks(path); err == nil {
		return t
	}
	return path
}

func tempPattern(target string) string {
	return "." + filepath.Base(target) + ".*.tmp"
}

// outFile is an output being written: a temporary file in the folder of
// its target, renamed over the target by Commit, removed by Abort, so that
// the target is written whole or not at all and no temporary file
// outlives a failure. A target that is not a regular file (/dev/null, a
// pipe) is written in place, and "-" is standard output.
type outFile struct {
	w      io.Writer
	f      *os.File // nil for standard output
	target string
	temp   bool
	done   bool
}

// createOutput starts writing the file at path ("-": standard output).
func createOutput(sio stdio, path string) (*outFile, error) {
	if path == "-" {
		return &outFile{w: sio.out}, nil
	}
	target := writeTarget(path)
	if fi, err := os.Stat(target); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
		return &outFile{w: f, f: f, target: target}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(target), tempPattern(target))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	return &outFile{w: f, f: f, target: target, temp: true}, nil
}

func (o *outFile) Write(p []byte) (int, error) { return o.w.Write(p) }

// Commit closes the file and puts it in place of its target.
func (o *outFile) Commit() error {
	if o.done || o.f == nil {
		o.done = true
		return nil
	}
	o.done = true
	err := o.f.Close()
	if !o.temp {
		return err
	}
	if err == nil {
		mode := fs.FileMode(0o644)
		if fi, serr := os.Stat(o.target); serr == nil {
			mode = fi.Mode().Perm() // an overwritten file keeps its mode
		}
		err = os.Chmod(o.f.Name(), mode)
	}
	if err == nil {
		err = os.Rename(o.f.Name(), o.target)
	}
	if err != nil {
		os.Remove(o.f.Name())
		return fmt.Errorf("%s: %w", o.target, unwrapPath(err))
	}
	return nil
}

// Abort closes the file and removes the temporary file; the target is
// left as it was. After Commit it does nothing.
func (o *outFile) Abort() {
	if o.done || o.f == nil {
		o.done = true
		return
	}
	o.done = true
	o.f.Close()
	if o.temp {
		os.Remove(o.f.Name())
	}
}

// writeOutput writes data to stdout ("" or "-") or to the file at path,
// whole or not at all.
func writeOutput(sio stdio, path string, data []byte) error {
	if path == "" {
		path = "-"
	}
	f, err := createOutput(sio, path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		if path == "-" {
			return err
		}
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	return f.Commit()
}
