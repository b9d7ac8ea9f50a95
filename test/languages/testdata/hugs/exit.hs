import System.Exit (exitWith, ExitCode (ExitFailure))

main :: IO ()
main = exitWith (ExitFailure 3)
