from meetcheck.cli import main

main()
