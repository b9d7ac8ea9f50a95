@msg = private unnamed_addr constant [15 x i8] c"SHOULD-NOT-RUN\00"

declare i32 @puts(i8* nocapture) nounwind

define i32 @main() {
  %p = getelementptr [15 x i8], [15 x i8]* @msg, i64 0, i64 0
  call i32 @puts(i8* %p)
  ret i32 %undefined_value
}
