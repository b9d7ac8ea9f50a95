main :: IO ()
main = do
  putStrLn "SHOULD-NOT-RUN"
  let x = 1 + "not an int" :: Int
  print x
