// checklib.h: the suite's own checker and interactor library. testlib is
// not ours to commit, so this header follows testlib's conventions (not
// its code): the same entry points (registerTestlibCmd,
// registerInteraction), streams (inf, ouf, ans), quitf/quitp, exit codes
// (0 ok, 1 wrong answer, 2 presentation error, 3 FAIL, 7 points) and
// standard-error format ("ok ...", "wrong answer ...", "wrong output
// format ...", "FAIL ...", "points <x> ..."). A checker written against
// it reads like a testlib checker.
#pragma once
#include <cerrno>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

enum TResult { _ok = 0, _wa = 1, _pe = 2, _fail = 3, _points = 7 };

[[noreturn]] inline void quit(TResult r, const std::string &msg);

// InStream reads one file. A malformed output is the submission's fault
// (its own verdict, PE by default); a malformed input or answer is the
// judge's (FAIL).
struct InStream {
    std::FILE *file = nullptr;
    std::string name;
    TResult onError = _fail;

    void open(std::FILE *f, const std::string &n, TResult err) {
        file = f, name = n, onError = err;
        if (!file) quit(err == _fail ? _fail : _pe, "cannot open " + n);
    }
    int peek() { int c = std::getc(file); if (c != EOF) std::ungetc(c, file); return c; }
    static bool blank(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
    void skipBlanks() { while (blank(peek())) std::getc(file); }
    bool seekEof() { skipBlanks(); return peek() == EOF; }
    std::string readToken() {
        skipBlanks();
        std::string t;
        for (int c = peek(); c != EOF && !blank(c); c = peek()) t += char(std::getc(file));
        if (t.empty()) quit(onError, "unexpected end of file in " + name + ": a token is expected");
        return t;
    }
    long long readLong() {
        std::string t = readToken();
        char *end = nullptr;
        errno = 0;
        long long v = std::strtoll(t.c_str(), &end, 10);
        if (*end != '\0' || errno == ERANGE) quit(onError, "expected an integer in " + name + ", found '" + t + "'");
        return v;
    }
    int readInt() { return int(readLong()); }
    double readDouble() {
        std::string t = readToken();
        char *end = nullptr;
        double v = std::strtod(t.c_str(), &end);
        if (*end != '\0') quit(onError, "expected a number in " + name + ", found '" + t + "'");
        return v;
    }
    // readLine reads up to the newline (excluded, \r removed); false at
    // the end of the file.
    bool readLine(std::string &line) {
        line.clear();
        int c;
        while ((c = std::getc(file)) != EOF && c != '\n') line += char(c);
        while (!line.empty() && line.back() == '\r') line.pop_back();
        return c != EOF || !line.empty();
    }
};

inline InStream inf, ouf, ans;
inline std::FILE *tout = nullptr; // the interactor's record, for a checker
inline bool checkerMode = false;

inline std::string vformat(const char *fmt, std::va_list ap) {
    char buf[4096];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    return buf;
}

[[noreturn]] inline void quit(TResult r, const std::string &msg) {
    if (r == _ok && checkerMode && !ouf.seekEof()) {
        std::fprintf(stderr, "wrong output format Extra information in the output file\n");
        std::exit(_pe);
    }
    const char *prefix = r == _ok ? "ok " : r == _wa ? "wrong answer " : r == _pe ? "wrong output format " : "FAIL ";
    std::fprintf(stderr, "%s%s\n", prefix, msg.c_str());
    if (tout) std::fclose(tout);
    std::exit(r);
}

[[noreturn]] inline void quitf(TResult r, const char *fmt, ...) {
    std::va_list ap;
    va_start(ap, fmt);
    std::string msg = vformat(fmt, ap);
    va_end(ap);
    quit(r, msg);
}

// quitp ends with points: "points <x> <message>", exit 7, as testlib's
// quitp (the number without trailing zeros).
[[noreturn]] inline void quitp(double points, const char *fmt, ...) {
    std::va_list ap;
    va_start(ap, fmt);
    std::string msg = vformat(fmt, ap);
    va_end(ap);
    char num[64];
    std::snprintf(num, sizeof num, "%.10f", points);
    std::string s = num;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    std::fprintf(stderr, "points %s%s%s\n", s.c_str(), msg.empty() ? "" : " ", msg.c_str());
    if (tout) std::fclose(tout);
    std::exit(_points);
}

// A checker: checker input.txt output.txt answer.txt.
inline void registerTestlibCmd(int argc, char **argv) {
    if (argc < 4) quitf(_fail, "usage: %s input.txt output.txt answer.txt", argv[0]);
    checkerMode = true;
    inf.open(std::fopen(argv[1], "rb"), argv[1], _fail);
    ouf.open(std::fopen(argv[2], "rb"), argv[2], _pe);
    ans.open(std::fopen(argv[3], "rb"), argv[3], _fail);
}

// An interactor: interactor input.txt tout.txt [answer.txt]; it reads the
// submission on stdin (ouf) and writes to it on stdout. Like testlib, it
// leaves SIGPIPE alone: the server starts interactors with SIGPIPE
// ignored, so that a write to a submission that has ended fails and the
// next read sees the end, and the suite checks that it does.
inline void registerInteraction(int argc, char **argv) {
    if (argc < 3) quitf(_fail, "usage: %s input.txt tout.txt [answer.txt]", argv[0]);
    inf.open(std::fopen(argv[1], "rb"), argv[1], _fail);
    tout = std::fopen(argv[2], "wb");
    if (!tout) quitf(_fail, "cannot write %s", argv[2]);
    ouf.open(stdin, "the submission's output", _pe);
    if (argc > 3) ans.open(std::fopen(argv[3], "rb"), argv[3], _fail);
}
