from pipeline.cli import main

# Guarded: extraction workers start from a forkserver, which re-imports the main module.
if __name__ == "__main__":
    main()
