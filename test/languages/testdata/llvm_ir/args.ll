; Prints the arguments joined by single spaces.
@fmt = private unnamed_addr constant [3 x i8] c"%s\00"

declare i32 @printf(i8*, ...)
declare i32 @putchar(i32)

define i32 @main(i32 %argc, i8** %argv) {
entry:
  br label %check

check:
  %i = phi i32 [ 1, %entry ], [ %next, %print ]
  %more = icmp slt i32 %i, %argc
  br i1 %more, label %sep, label %done

sep:
  %first = icmp eq i32 %i, 1
  br i1 %first, label %print, label %space

space:
  call i32 @putchar(i32 32)
  br label %print

print:
  %idx = sext i32 %i to i64
  %slot = getelementptr i8*, i8** %argv, i64 %idx
  %arg = load i8*, i8** %slot
  %f = getelementptr [3 x i8], [3 x i8]* @fmt, i64 0, i64 0
  call i32 (i8*, ...) @printf(i8* %f, i8* %arg)
  %next = add i32 %i, 1
  br label %check

done:
  call i32 @putchar(i32 10)
  ret i32 0
}
