@msg = private unnamed_addr constant [14 x i8] c"Hello, World!\00"

declare i32 @puts(i8* nocapture) nounwind

define i32 @main() {
  %p = getelementptr [14 x i8], [14 x i8]* @msg, i64 0, i64 0
  call i32 @puts(i8* %p)
  ret i32 0
}
